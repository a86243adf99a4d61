package dev.lifeboat.repository.gc;

import dev.lifeboat.config.RetentionConfig;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.repository.ChunkStore.ChunkRef;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.ManifestStore;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.BlobStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * What the garbage collection tests share: a retention that keeps one snapshot with a one-hour safety
 * delay, made-up chunks, volume snapshots of given chunks, and one collection run at the test's time.
 */
final class CollectionFixtures {
  /** The time every collection test starts at. */
  static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");
  /** Keeps the newest snapshot only; planned chunks are deleted an hour after the plan, at the earliest. */
  static final RetentionConfig KEEP_ONE = new RetentionConfig(1, 0, 0, 0, 0, Duration.ofHours(1), Duration.ofHours(1));

  private CollectionFixtures() {}

  /** One collection run with {@link #KEEP_ONE}, at the clock's time. */
  static GarbageCollector.Report collect(Repository repository, Clock clock) {
    return new GarbageCollector(repository, KEEP_ONE, clock).run(step -> {});
  }

  /** The completed manifest of volume {@code pvc-1}, taken at {@code taken}, whose one stream is {@code refs}. */
  static ManifestStore.Written writeSnapshot(Repository repository, String id, Instant taken, List<ChunkRef> refs) {
    return repository.manifests().write(new Manifest(Manifest.FORMAT, id, SnapshotKind.VOLUME, "pvc-1", "test", taken, null,
        SnapshotPhase.COMPLETED, List.of(new Manifest.Stream("data", 0, "", refs)), null, null));
  }

  /** Where {@link #writeSnapshot} writes the manifest {@code id}. */
  static String manifestKey(String id) {
    return ManifestStore.key(SnapshotKind.VOLUME, "pvc-1", id);
  }

  /** {@code count} random chunks of 500 to 2,499 bytes, the same for the same seed. */
  static List<byte[]> chunks(int count, long seed) {
    Random random = new Random(seed);
    List<byte[]> chunks = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] c = new byte[500 + random.nextInt(2000)];
      random.nextBytes(c);
      chunks.add(c);
    }
    return chunks;
  }

  /** How many blobs the store holds under {@code prefix}. */
  static long count(BlobStore store, String prefix) {
    long[] n = {0};
    store.list(prefix, info -> n[0]++);
    return n[0];
  }
}
