package dev.lifeboat.snapshotter;

import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;

/** Snapshot ids that sort by time: {@code 20260101T120000Z-3f9a1c}. */
public final class SnapshotIds {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private SnapshotIds() {}

  public static String next(Clock clock) {
    return TIME.format(clock.instant()) + "-" + String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
  }
}
