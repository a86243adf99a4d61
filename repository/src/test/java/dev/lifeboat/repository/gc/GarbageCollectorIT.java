package dev.lifeboat.repository.gc;

import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.repository.testing.TestStores;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.config.RetentionConfig;
import dev.lifeboat.repository.ChunkStore;
import dev.lifeboat.repository.ChunkStore.ChunkRef;
import dev.lifeboat.repository.CollectedChunkException;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.ManifestStore;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Retention and garbage collection on the real S3 server: two runs, the plan, then the deletion. */
@LifeboatIntegrationTest
class GarbageCollectorIT {
  private final TestStack stack;

  GarbageCollectorIT(TestStack stack) {
    this.stack = stack;
  }

  @Test
  void collectsExactlyTheChunksOfTheForgottenSnapshot() {
    BlobStore store = TestStores.primary(stack, "gc-" + UUID.randomUUID());
    Repository repository = Repository.openOrCreate(store, new byte[32], new ChunkerParams(64, 1024, 4096), 256 * 1024,
        new SimpleMeterRegistry());
    Random random = new Random(7);
    List<ChunkRef> all = new ArrayList<>();
    List<ChunkRef> old = new ArrayList<>();
    List<ChunkRef> kept = new ArrayList<>();
    List<byte[]> keptContent = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      byte[] chunk = new byte[1000 + random.nextInt(3000)];
      random.nextBytes(chunk);
      ChunkRef ref = repository.chunks().put(chunk).ref();
      all.add(ref); // a third in no manifest at all, as after a snapshot that failed half-way
      if (i % 3 != 0) {
        old.add(ref);
      }
      if (i % 2 == 0) {
        kept.add(ref);
        keptContent.add(chunk);
      }
    }
    repository.manifests().write(manifest("20260101T000000Z-000001", old));
    repository.manifests().write(manifest("20260101T010000Z-000002", kept));
    Set<String> garbage = ids(all);
    garbage.removeAll(ids(kept));
    RetentionConfig keepOne = new RetentionConfig(1, 0, 0, 0, 0, Duration.ofHours(1), Duration.ZERO);

    GarbageCollector.Report plan = new GarbageCollector(repository, keepOne, Clock.systemUTC()).run(step -> {});
    GarbageCollector.Report sweep = new GarbageCollector(repository, keepOne, Clock.systemUTC()).run(step -> {});

    assertThat(plan.manifestsDeleted()).isEqualTo(1);
    assertThat(plan.chunksPlanned()).isEqualTo(garbage.size());
    assertThat(sweep.chunksDeleted()).isEqualTo(garbage.size());
    assertThat(sweep.packsDeleted()).isPositive();
    Repository reader = Repository.open(store, new byte[32], new SimpleMeterRegistry());
    Set<String> indexed = new HashSet<>();
    reader.chunks().index().forEach((number, pack, entry) -> indexed.add(entry.id()));
    assertThat(indexed).isEqualTo(ids(kept));
    for (int i = 0; i < kept.size(); i += 5) {
      assertThat(reader.chunks().get(kept.get(i).id())).isEqualTo(keptContent.get(i));
    }
    assertThatThrownBy(() -> reader.chunks().get(garbage.iterator().next())).isInstanceOf(ChunkStore.MissingChunkException.class);
  }

  @Test
  void aSnapshotHeldOpenAcrossACollectionThatDeletesChunksItReusedWritesNoManifest() {
    String prefix = "gc-" + UUID.randomUUID();
    ChunkerParams params = new ChunkerParams(64, 1024, 4096);
    Repository collector = Repository.openOrCreate(TestStores.primary(stack, prefix), new byte[32], params, 64 * 1024,
        new SimpleMeterRegistry());
    Repository agent = Repository.open(TestStores.primary(stack, prefix), new byte[32], 64 * 1024, new SimpleMeterRegistry());
    Random random = new Random(11);
    List<byte[]> content = new ArrayList<>();
    List<ChunkRef> old = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      byte[] chunk = new byte[1000 + random.nextInt(3000)];
      random.nextBytes(chunk);
      content.add(chunk);
      old.add(collector.chunks().put(chunk).ref());
    }
    collector.manifests().write(manifest("20260101T000000Z-000001", old));
    collector.manifests().write(manifest("20260101T010000Z-000002", List.of()));
    agent.chunks().refresh(); // a snapshot starts and reuses the chunks of the snapshot retention is about to forget
    List<ChunkRef> reused = new ArrayList<>();
    for (byte[] chunk : content) {
      ChunkStore.Put put = agent.chunks().put(chunk);
      assertThat(put.uploaded()).isFalse();
      reused.add(put.ref());
    }
    RetentionConfig keepOne = new RetentionConfig(1, 0, 0, 0, 0, Duration.ofHours(1), Duration.ZERO);

    GarbageCollector.Report plan = new GarbageCollector(collector, keepOne, Clock.systemUTC()).run(step -> {});
    GarbageCollector.Report sweep = new GarbageCollector(collector, keepOne, Clock.systemUTC()).run(step -> {});
    assertThat(plan.chunksPlanned()).isEqualTo(content.size());
    assertThat(sweep.chunksDeleted()).isEqualTo(content.size());

    assertThatThrownBy(() -> agent.manifests().write(manifest("20260101T020000Z-000003", reused)))
        .isInstanceOf(CollectedChunkException.class).hasMessageContaining("in no pack of the repository");
    assertThat(agent.store().stat(ManifestStore.key(SnapshotKind.ETCD, "etcd", "20260101T020000Z-000003"))).isEmpty();

    agent.chunks().refresh(); // taken again, the snapshot stores the chunks afresh
    List<ChunkRef> again = new ArrayList<>();
    content.forEach(chunk -> again.add(agent.chunks().put(chunk).ref()));
    agent.manifests().write(manifest("20260101T030000Z-000004", again));
    Repository reader = Repository.open(TestStores.primary(stack, prefix), new byte[32], new SimpleMeterRegistry());
    for (int i = 0; i < content.size(); i++) {
      assertThat(reader.chunks().get(again.get(i).id())).isEqualTo(content.get(i));
    }
  }

  private static Manifest manifest(String id, List<ChunkRef> refs) {
    return new Manifest(Manifest.FORMAT, id, SnapshotKind.ETCD, "etcd", "test", Instant.now(), null, SnapshotPhase.COMPLETED,
        List.of(new Manifest.Stream("db", 0, "", refs)), null, null);
  }

  private static Set<String> ids(List<ChunkRef> refs) {
    Set<String> ids = new HashSet<>();
    refs.forEach(r -> ids.add(r.id()));
    return ids;
  }
}
