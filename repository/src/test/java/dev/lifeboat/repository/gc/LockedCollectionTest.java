package dev.lifeboat.repository.gc;

import static dev.lifeboat.repository.gc.CollectionFixtures.T0;
import static dev.lifeboat.repository.gc.CollectionFixtures.chunks;
import static dev.lifeboat.repository.gc.CollectionFixtures.collect;
import static dev.lifeboat.repository.gc.CollectionFixtures.count;
import static dev.lifeboat.repository.gc.CollectionFixtures.manifestKey;
import static dev.lifeboat.repository.gc.CollectionFixtures.writeSnapshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.repository.ChunkStore.ChunkRef;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.LockingBlobStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.pack.Pack;
import dev.lifeboat.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Retention and garbage collection over a store that retains objects (S3 Object Lock in a versioned
 * bucket), where a delete of a retained object succeeds but only hides it: nothing the store still
 * retains may be "deleted", and what was left for that reason is counted.
 */
class LockedCollectionTest {
  private final ManualClock clock = new ManualClock(T0);

  private Repository repository(LockingBlobStore store) {
    return Repository.openOrCreate(store, new byte[32], new ChunkerParams(64, 1024, 4096), 64 * 1024, new SimpleMeterRegistry());
  }

  @Test
  void aSnapshotTheStoreStillRetainsIsKeptWithItsChunksUntilTheRetentionEnds() {
    LockingBlobStore store = new LockingBlobStore("locked", clock, Duration.ofDays(1));
    Repository repository = repository(store);
    List<ChunkRef> old = put(repository, chunks(200, 1));
    writeSnapshot(repository, "20260301T000000Z-000001", clock.instant(), old);
    writeSnapshot(repository, "20260301T010000Z-000002", clock.instant(), put(repository, chunks(20, 2)));

    clock.set(T0.plus(Duration.ofHours(2)));
    GarbageCollector.Report locked = collect(repository, clock);

    assertThat(locked.manifestsDeleted()).as("retention would delete the old snapshot; the store still retains it").isZero();
    assertThat(locked.manifestsLocked()).isEqualTo(1);
    assertThat(locked.manifestsKept()).isEqualTo(2);
    assertThat(locked.chunksPlanned()).as("a kept snapshot's chunks are live").isZero();
    assertThat(store.get(manifestKey("20260301T000000Z-000001"))).isPresent();
    assertThat(hiddenData(store)).as("nothing retained was hidden behind a delete marker").isEmpty();

    clock.set(T0.plus(Duration.ofDays(1)).plus(Duration.ofHours(1)));
    GarbageCollector.Report expired = collect(repository, clock);

    assertThat(expired.manifestsDeleted()).as("once the retention has ended, retention deletes it").isEqualTo(1);
    assertThat(expired.manifestsLocked()).isZero();
    assertThat(expired.chunksPlanned()).isEqualTo(200);
    assertThat(hiddenData(store)).isEmpty();
  }

  @Test
  void packsTheStoreStillRetainsAreNeitherDeletedNorRewrittenAndAreCollectedOnceTheRetentionEnds() {
    LockingBlobStore store = new LockingBlobStore("locked", clock, Duration.ZERO);
    Repository repository = repository(store);
    List<ChunkRef> old = put(repository, chunks(300, 3));
    writeSnapshot(repository, "20260301T000000Z-000001", clock.instant(), old);
    List<ChunkRef> fresh = put(repository, chunks(300, 4));
    writeSnapshot(repository, "20260301T010000Z-000002", clock.instant(), fresh);
    repository.chunks().flush();
    Instant retainedUntil = T0.plus(Duration.ofDays(30));
    List<String> packs = new ArrayList<>();
    store.list(Pack.PREFIX, info -> packs.add(info.key()));
    packs.forEach(pack -> store.lock(pack, retainedUntil));

    clock.set(T0.plus(Duration.ofHours(2)));
    GarbageCollector.Report planning = collect(repository, clock);
    assertThat(planning.manifestsDeleted()).isEqualTo(1);
    assertThat(planning.chunksPlanned()).isEqualTo(300);

    clock.set(T0.plus(Duration.ofHours(4)));
    GarbageCollector.Report due = collect(repository, clock);

    assertThat(due.chunksDeleted()).as("the due chunks are all in retained packs").isZero();
    assertThat(due.bytesFreed()).isZero();
    assertThat(due.packsDeleted()).isZero();
    assertThat(due.packsRewritten()).as("a rewrite would store the kept chunks twice").isZero();
    assertThat(due.packsLocked()).isPositive();
    assertThat(due.chunksLocked()).isEqualTo(300);
    assertThat(hiddenData(store)).as("no retained pack was hidden behind a delete marker").isEmpty();
    assertThat(count(store, Pack.PREFIX)).isEqualTo(packs.size());
    Repository reopened = Repository.open(store, new byte[32], new SimpleMeterRegistry());
    for (ChunkRef ref : fresh) {
      assertThat(reopened.chunks().get(ref.id())).isNotNull();
    }

    clock.set(retainedUntil.plus(Duration.ofHours(1)));
    GarbageCollector.Report replanned = collect(repository, clock);
    assertThat(replanned.chunksPlanned()).as("planned again once retained no more").isEqualTo(300);
    clock.set(retainedUntil.plus(Duration.ofHours(3)));
    GarbageCollector.Report freed = collect(repository, clock);

    assertThat(freed.chunksDeleted()).isEqualTo(300);
    assertThat(freed.packsLocked()).isZero();
    assertThat(hiddenData(store)).isEmpty();
    Set<String> indexed = new HashSet<>();
    Repository.open(store, new byte[32], new SimpleMeterRegistry()).chunks().index()
        .forEach((number, pack, entry) -> indexed.add(entry.id()));
    assertThat(indexed).isEqualTo(ids(fresh));
  }

  /** Packs and manifests deleted while retained: what a collection counted as removed but only hid. */
  private static List<String> hiddenData(LockingBlobStore store) {
    return store.hiddenWhileRetained().stream().filter(k -> k.startsWith(Pack.PREFIX) || k.startsWith("manifests/"))
        .toList();
  }

  private static List<ChunkRef> put(Repository repository, List<byte[]> chunks) {
    List<ChunkRef> refs = new ArrayList<>();
    chunks.forEach(c -> refs.add(repository.chunks().put(c).ref()));
    return refs;
  }

  private static Set<String> ids(List<ChunkRef> refs) {
    Set<String> ids = new HashSet<>();
    refs.forEach(r -> ids.add(r.id()));
    return ids;
  }
}
