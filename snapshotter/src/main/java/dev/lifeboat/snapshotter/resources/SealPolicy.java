package dev.lifeboat.snapshotter.resources;

import java.time.Duration;
import java.time.Instant;

/**
 * When a partition's pending change-log segment is sealed: once its oldest change is {@code maxAge}
 * old, or once it holds {@code maxBytes} of encoded changes. The age of a change is counted from the
 * earlier of its record time on Kafka and the moment the archiver read it, so a change waits at most
 * {@code maxAge} in the archiver whatever the clocks of the producer say, and a backlog read late is
 * sealed at once rather than held for another period. A quiet partition costs nothing and a busy
 * one is sealed at most once per {@code maxAge} (or per {@code maxBytes}).
 *
 * @param maxAge how long the oldest change of a segment may wait to be stored
 * @param maxBytes encoded changes a segment holds at most before it is sealed early
 */
record SealPolicy(Duration maxAge, long maxBytes) {
  /** The finest and the coarsest interval at which pending segments are looked at. */
  static final Duration MIN_CHECK = Duration.ofMillis(10);
  static final Duration MAX_CHECK = Duration.ofMillis(100);

  SealPolicy {
    if (maxAge.isZero() || maxAge.isNegative()) {
      throw new IllegalArgumentException("the archive period must be positive, was " + maxAge);
    }
    if (maxBytes < 1) {
      throw new IllegalArgumentException("a segment's maximum size must be positive, was " + maxBytes);
    }
  }

  /** When a segment whose oldest change has record time {@code recordTime}, read at {@code readAt}, is due. */
  Instant sealBy(Instant recordTime, Instant readAt) {
    return (recordTime.isBefore(readAt) ? recordTime : readAt).plus(maxAge);
  }

  /** Whether a segment due at {@code sealBy} (null: it holds nothing) and holding {@code bytes} is sealed at {@code now}. */
  boolean due(Instant sealBy, long bytes, Instant now) {
    return bytes >= maxBytes || sealBy != null && !now.isBefore(sealBy);
  }

  /**
   * How often the worker looks at its pending segments: a tenth of {@code maxAge}, between {@link
   * #MIN_CHECK} and {@link #MAX_CHECK}, so a segment is sealed at most that much after it is due.
   */
  Duration checkEvery() {
    Duration tenth = maxAge.dividedBy(10);
    return tenth.compareTo(MIN_CHECK) < 0 ? MIN_CHECK : tenth.compareTo(MAX_CHECK) > 0 ? MAX_CHECK : tenth;
  }
}
