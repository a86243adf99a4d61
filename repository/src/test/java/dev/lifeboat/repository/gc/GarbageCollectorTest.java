package dev.lifeboat.repository.gc;

import static dev.lifeboat.repository.gc.CollectionFixtures.T0;
import static dev.lifeboat.repository.gc.CollectionFixtures.chunks;
import static dev.lifeboat.repository.gc.CollectionFixtures.collect;
import static dev.lifeboat.repository.gc.CollectionFixtures.count;
import static dev.lifeboat.repository.gc.CollectionFixtures.writeSnapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.repository.ChunkStore;
import dev.lifeboat.repository.ChunkStore.ChunkRef;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.ConditionIgnoringBlobStore;
import dev.lifeboat.repository.blob.InMemoryBlobStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.pack.Pack;
import dev.lifeboat.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GarbageCollectorTest {
  private final ManualClock clock = new ManualClock(T0);
  private final InMemoryBlobStore store = new InMemoryBlobStore("test", clock);
  // small packs, so that chunks of different snapshots share some packs and fill others alone
  private final Repository repository = Repository.openOrCreate(store, new byte[32], new ChunkerParams(64, 1024, 4096),
      64 * 1024, new SimpleMeterRegistry());

  @Test
  void removesExactlyTheChunksNoKeptSnapshotNames() {
    List<byte[]> shared = chunks(40, 1);
    List<byte[]> onlyOld = chunks(300, 2);
    List<byte[]> onlyNew = chunks(300, 3);
    List<ChunkRef> old = put(shared, onlyOld);
    snapshot("20260301T000000Z-000001", old);
    List<ChunkRef> fresh = put(onlyNew, shared);
    snapshot("20260301T010000Z-000002", fresh);
    Set<String> oldOnlyIds = ids(old);
    oldOnlyIds.removeAll(ids(fresh));
    long packsBefore = count(store, Pack.PREFIX);

    clock.set(T0.plus(Duration.ofHours(2)));
    GarbageCollector.Report first = collect(repository, clock);

    assertThat(first.manifestsDeleted()).isEqualTo(1);
    assertThat(first.chunksPlanned()).as("planned: exactly the old snapshot's own chunks").isEqualTo(oldOnlyIds.size());
    assertThat(first.chunksDeleted()).as("nothing deleted before the safety delay").isZero();
    assertThat(count(store, Pack.PREFIX)).isEqualTo(packsBefore);

    clock.set(T0.plus(Duration.ofHours(4)));
    GarbageCollector.Report second = collect(repository, clock);

    assertThat(second.chunksDeleted()).isEqualTo(oldOnlyIds.size());
    assertThat(second.bytesFreed()).isPositive();
    assertThat(count(store, Pack.PREFIX)).isLessThan(packsBefore);
    Repository reopened = Repository.open(store, new byte[32], new SimpleMeterRegistry());
    Set<String> indexed = new HashSet<>();
    reopened.chunks().index().forEach((number, pack, entry) -> indexed.add(entry.id()));
    assertThat(indexed).as("the repository holds exactly the kept snapshot's chunks").isEqualTo(ids(fresh));
    for (int i = 0; i < onlyNew.size(); i += 7) {
      assertThat(reopened.chunks().get(fresh.get(i).id())).isEqualTo(onlyNew.get(i));
    }
    String gone = oldOnlyIds.iterator().next();
    assertThatThrownBy(() -> reopened.chunks().get(gone)).isInstanceOf(ChunkStore.MissingChunkException.class);
    assertThat(count(store, "gc/plans/")).isZero();
  }

  @Test
  void aChunkReusedAfterItWasPlannedIsStoredAgainAndSurvives() {
    List<byte[]> content = chunks(100, 4);
    List<ChunkRef> old = put(content);
    snapshot("20260301T000000Z-000001", old);
    snapshot("20260301T010000Z-000002", put(chunks(10, 5)));
    clock.set(T0.plus(Duration.ofHours(2)));
    GarbageCollector.Report first = collect(repository, clock);
    assertThat(first.chunksPlanned()).isEqualTo(100);

    // a snapshot taken now with the same content: the writer must not lean on the planned copies
    repository.chunks().refresh();
    List<ChunkStore.Put> again = new ArrayList<>();
    for (byte[] c : content) {
      again.add(repository.chunks().put(c));
    }
    assertThat(again).allSatisfy(p -> assertThat(p.uploaded()).as("stored afresh").isTrue());
    clock.set(T0.plus(Duration.ofHours(3)));
    snapshot("20260301T030000Z-000003", again.stream().map(ChunkStore.Put::ref).toList());

    clock.set(T0.plus(Duration.ofHours(5)));
    collect(repository, clock);

    Repository reopened = Repository.open(store, new byte[32], new SimpleMeterRegistry());
    for (int i = 0; i < content.size(); i++) {
      assertThat(reopened.chunks().get(old.get(i).id())).isEqualTo(content.get(i));
    }
  }

  @Test
  void aSecondCollectionWhileOneRunsStandsAside() {
    store.putIfAbsent(GarbageCollector.LOCK, "{}".getBytes());
    GarbageCollector.Report report = collect(repository, clock);
    assertThat(report.skipped()).isTrue();
    assertThat(report.skippedReason()).contains("gc/lock");

    clock.set(T0.plus(GarbageCollector.LOCK_LEASE).plusSeconds(1));
    assertThat(collect(repository, clock).skipped()).as("a lock older than its lease is taken over").isFalse();
  }

  @Test
  void ofCollectionsStartingTogetherOnAStoreThatIgnoresThePutsConditionExactlyOneRuns() throws Exception {
    ConditionIgnoringBlobStore ignoring = new ConditionIgnoringBlobStore("ignores-if-none-match", clock);
    Repository.openOrCreate(ignoring, new byte[32], new ChunkerParams(64, 1024, 4096), new SimpleMeterRegistry());
    int collections = 4;
    // all find no lock, then each writes its own after the one before has read its own back
    ignoring.interleaveWritersOf(GarbageCollector.LOCK, collections);
    ExecutorService pool = Executors.newFixedThreadPool(collections);
    try {
      List<Future<GarbageCollector.Report>> runs = new ArrayList<>();
      for (int i = 0; i < collections; i++) {
        Repository own = Repository.open(ignoring, new byte[32], new SimpleMeterRegistry()); // a process each
        runs.add(pool.submit(() -> collect(own, clock)));
      }
      List<GarbageCollector.Report> reports = new ArrayList<>();
      for (Future<GarbageCollector.Report> run : runs) {
        reports.add(run.get(1, TimeUnit.MINUTES));
      }
      assertThat(ignoring.writes()).as("every collection wrote a lock of its own").isEqualTo(collections);
      assertThat(reports).filteredOn(r -> !r.skipped()).as("collections that ran").hasSize(1);
    } finally {
      pool.shutdownNow();
    }
    assertThat(ignoring.stat(GarbageCollector.LOCK)).as("released").isEmpty();
  }

  @SafeVarargs
  private List<ChunkRef> put(List<byte[]>... groups) {
    List<ChunkRef> refs = new ArrayList<>();
    for (List<byte[]> group : groups) {
      for (byte[] c : group) {
        refs.add(repository.chunks().put(c).ref());
      }
    }
    return refs;
  }

  private void snapshot(String id, List<ChunkRef> refs) {
    writeSnapshot(repository, id, clock.instant(), refs);
  }

  private static Set<String> ids(List<ChunkRef> refs) {
    Set<String> ids = new HashSet<>();
    refs.forEach(r -> ids.add(r.id()));
    return ids;
  }
}
