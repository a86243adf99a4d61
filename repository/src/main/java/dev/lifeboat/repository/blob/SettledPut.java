package dev.lifeboat.repository.blob;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A put-if-absent whose outcome every writer racing for the key agrees on, even on a store that
 * ignores the put's condition: what a repository's {@code config} and the garbage collection lock
 * are created with. See {@code DESIGN.md} ("One writer wins").
 *
 * <ul>
 *   <li>The put is a {@link BlobStore#putIfAbsent}, which on S3 is a conditional PUT ({@code
 *       If-None-Match: *}): where the store honours the condition, exactly one writer's blob is stored.
 *   <li>A store may ignore the condition and let a later writer replace the blob. So a writer first
 *       announces itself ({@code <announcements>/<uuid>}), then puts, then withdraws the announcement;
 *       and every writer, and every reader that needs the outcome, waits until no announcement is left
 *       and then reads the blob. Any writer that can still replace it announced itself before it found
 *       the key empty, so before the blob existed: once no announcement is left, the blob is the one
 *       that stays.
 *   <li>An announcement older than {@link #ABANDONED} belongs to a process that stopped half-way; it is
 *       deleted and not waited for.
 * </ul>
 */
public final class SettledPut {
  private static final Logger log = LoggerFactory.getLogger(SettledPut.class);
  /** After this, an announcement is taken for one a stopped process left (a put takes milliseconds). */
  public static final Duration ABANDONED = Duration.ofMinutes(10);
  private static final long FIRST_WAIT_MS = 20;
  private static final long LONGEST_WAIT_MS = 1000;

  private final BlobStore store;
  private final String announcements;
  private final Clock clock;

  /** @param announcements the prefix writers announce themselves under, e.g. {@code creating/} */
  public SettledPut(BlobStore store, String announcements, Clock clock) {
    this.store = store;
    this.announcements = announcements;
    this.clock = clock;
  }

  /**
   * What stayed under a key once every racing writer finished.
   *
   * @param blob the blob there, empty if there is none (it was deleted since)
   * @param mine whether it is the one this writer put
   */
  public record Settled(Optional<byte[]> blob, boolean mine) {}

  /** Puts {@code data} unless the key holds a blob, then waits for the outcome. */
  public Settled put(String key, Supplier<byte[]> data) {
    byte[] written = null;
    if (store.stat(key).isEmpty()) {
      String announcement = announcements + UUID.randomUUID();
      store.putIfAbsent(announcement, new byte[0]);
      try {
        byte[] mine = data.get();
        if (store.putIfAbsent(key, mine)) {
          written = mine;
        }
      } finally {
        store.delete(announcement);
      }
    }
    Optional<byte[]> stayed = read(key);
    return new Settled(stayed, written != null && stayed.isPresent() && Arrays.equals(written, stayed.get()));
  }

  /** The blob under {@code key} once no writer racing for it is left. */
  public Optional<byte[]> read(String key) {
    awaitWriters();
    return store.get(key);
  }

  /** Waits until no writer is between announcing itself and withdrawing its announcement. */
  private void awaitWriters() {
    long wait = FIRST_WAIT_MS;
    boolean told = false;
    while (true) {
      List<String> writing = new ArrayList<>();
      List<BlobInfo> left = new ArrayList<>();
      Instant abandoned = clock.instant().minus(ABANDONED);
      store.list(announcements, info -> {
        if (info.lastModified() != null && info.lastModified().isBefore(abandoned)) {
          left.add(info);
        } else {
          writing.add(info.key());
        }
      });
      for (BlobInfo info : left) {
        log.warn("Deleting {} in {}: a process announced a write at {} and never finished it", info.key(),
            store.describe(), info.lastModified());
        store.delete(info.key());
      }
      if (writing.isEmpty()) {
        return;
      }
      if (!told) {
        log.info("Waiting for {} writers racing under {} in {} to finish", writing.size(), announcements, store.describe());
        told = true;
      }
      try {
        Thread.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for writers under " + announcements + " in "
            + store.describe(), e);
      }
      wait = Math.min(LONGEST_WAIT_MS, wait * 2);
    }
  }
}
