package dev.lifeboat.repository.gc;

import static dev.lifeboat.repository.gc.CollectionFixtures.T0;
import static dev.lifeboat.repository.gc.CollectionFixtures.chunks;
import static dev.lifeboat.repository.gc.CollectionFixtures.collect;
import static dev.lifeboat.repository.gc.CollectionFixtures.count;
import static dev.lifeboat.repository.gc.CollectionFixtures.manifestKey;
import static dev.lifeboat.repository.gc.CollectionFixtures.writeSnapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.lifeboat.repository.ChunkStore;
import dev.lifeboat.repository.ChunkStore.ChunkRef;
import dev.lifeboat.repository.CollectedChunkException;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.ManifestStore;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.HookingBlobStore;
import dev.lifeboat.repository.blob.InMemoryBlobStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.pack.DeletionPlan;
import dev.lifeboat.repository.pack.IndexFile;
import dev.lifeboat.repository.pack.Pack;
import dev.lifeboat.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A snapshot (a node agent's, in a process of its own) that runs while garbage collection, in another
 * process, plans and deletes chunks the snapshot took as stored: its manifest never names a chunk that
 * is gone. Safety delay one hour; the clock is the test's.
 */
class CollectionDuringSnapshotTest {
  private static final byte[] MASTER = new byte[32];
  private static final ChunkerParams PARAMS = new ChunkerParams(64, 1024, 4096);
  private final ManualClock clock = new ManualClock(T0);
  private final InMemoryBlobStore store = new InMemoryBlobStore("primary", clock);
  private final HookingBlobStore collectorStore = new HookingBlobStore(store);
  private final HookingBlobStore agentStore = new HookingBlobStore(store);
  private final Repository collector = Repository.openOrCreate(collectorStore, MASTER, PARAMS, 64 * 1024, new SimpleMeterRegistry());
  private final Repository agent = Repository.open(agentStore, MASTER, 64 * 1024, new SimpleMeterRegistry());
  private final List<byte[]> reused = chunks(30, 1);
  private final List<byte[]> fresh = chunks(30, 2);

  /** A snapshot of {@link #reused}, then one without it, so that retention forgets the first and its chunks. */
  private void forgottenSnapshotOfTheReusedChunks() {
    write(collector, "20260301T000000Z-000001", put(collector, reused));
    write(collector, "20260301T000001Z-000002", put(collector, chunks(5, 3)));
  }

  /**
   * The agent starts a snapshot that reuses {@link #reused} before a collection plans their deletion; the
   * clock then stands past the safety delay, so that the next collection deletes them.
   */
  private List<ChunkRef> reusedChunksHeldByASnapshotAcrossTheirPlan() {
    forgottenSnapshotOfTheReusedChunks();
    clock.set(T0.plus(Duration.ofMinutes(30)));
    agent.chunks().refresh();
    List<ChunkRef> refs = put(agent, reused);
    clock.set(T0.plus(Duration.ofHours(2)));
    collect(collector, clock);
    clock.set(T0.plus(Duration.ofHours(4)));
    return refs;
  }

  @Test
  void aSnapshotHeldOpenAcrossACollectionThatDeletesAChunkItReusedFailsAndLeavesNoManifest() {
    forgottenSnapshotOfTheReusedChunks();
    clock.set(T0.plus(Duration.ofMinutes(30)));
    agent.chunks().refresh(); // the snapshot starts: no plan yet, so the old chunks are there to reuse
    List<ChunkStore.Put> puts = puts(agent, reused);
    assertThat(puts).allSatisfy(p -> assertThat(p.uploaded()).as("reused, not stored again").isFalse());
    List<ChunkRef> refs = refs(puts);
    refs.addAll(put(agent, fresh));

    clock.set(T0.plus(Duration.ofHours(2)));
    GarbageCollector.Report plan = collect(collector, clock);
    clock.set(T0.plus(Duration.ofHours(4)));
    GarbageCollector.Report sweep = collect(collector, clock);
    assertThat(plan.chunksPlanned()).isEqualTo(reused.size());
    assertThat(sweep.chunksDeleted()).as("the collection deleted the chunks the snapshot reuses").isEqualTo(reused.size());

    Throwable failure = catchThrowable(() -> write(agent, "20260301T003000Z-000003", refs));

    assertThat(failure).isInstanceOf(CollectedChunkException.class)
        .hasMessageContaining(((CollectedChunkException) failure).chunkId())
        .hasMessageContaining("in no pack of the repository").hasMessageContaining("retention.gcSafetyDelay");
    assertThat(refs(puts).stream().map(ChunkRef::id)).contains(((CollectedChunkException) failure).chunkId());
    assertThat(store.stat(manifestKey("20260301T003000Z-000003"))).as("no manifest written").isEmpty();

    // taken again, the snapshot stores the chunks afresh and completes
    agent.chunks().refresh();
    List<ChunkRef> again = put(agent, reused);
    again.addAll(put(agent, fresh));
    write(agent, "20260301T040000Z-000004", again);
    assertEveryChunkReadable(again, reused, fresh);
  }

  @Test
  void aCollectionThatMarksJustBeforeTheManifestIsWrittenMakesTheSnapshotWithdrawIt() throws Exception {
    List<ChunkRef> refs = reusedChunksHeldByASnapshotAcrossTheirPlan();
    // the agent has checked its chunks and is about to write the manifest when the collection starts; the
    // collection marks (the manifest is not there yet), then waits before deleting anything until the
    // agent has written its manifest and looked again
    CountDownLatch marked = new CountDownLatch(1);
    CountDownLatch written = new CountDownLatch(1);
    collectorStore.beforeFirstDelete(IndexFile.PREFIX, () -> {
      marked.countDown();
      await(written);
    });
    AtomicReference<CompletableFuture<GarbageCollector.Report>> running = new AtomicReference<>();
    agentStore.beforeFirstPut("manifests/", () -> {
      running.set(CompletableFuture.supplyAsync(() -> collect(collector, clock)));
      await(marked);
    });

    Throwable failure = catchThrowable(() -> write(agent, "20260301T003000Z-000003", refs));
    written.countDown();

    assertThat(running.get().get(1, TimeUnit.MINUTES).chunksDeleted()).isEqualTo(reused.size());
    assertThat(failure).isInstanceOf(CollectedChunkException.class).hasMessageContaining("is being deleted by garbage collection")
        .hasMessageContaining(DeletionPlan.PREFIX);
    assertThat(store.stat(manifestKey("20260301T003000Z-000003"))).as("the manifest was withdrawn").isEmpty();
  }

  @Test
  void aCollectionThatRunsWholeBetweenTheCheckAndTheManifestMakesTheSnapshotWithdrawIt() {
    List<ChunkRef> refs = reusedChunksHeldByASnapshotAcrossTheirPlan();
    GarbageCollector.Report[] sweep = {null};
    agentStore.beforeFirstPut("manifests/", () -> sweep[0] = collect(collector, clock));

    Throwable failure = catchThrowable(() -> write(agent, "20260301T003000Z-000003", refs));

    assertThat(sweep[0].chunksDeleted()).isEqualTo(reused.size());
    assertThat(failure).isInstanceOf(CollectedChunkException.class).hasMessageContaining("in no pack of the repository");
    assertThat(store.stat(manifestKey("20260301T003000Z-000003"))).as("the manifest was withdrawn").isEmpty();
  }

  @Test
  void freshCopiesOfPlannedChunksSurviveASweepThatRunsBeforeTheirManifestIsWritten() {
    forgottenSnapshotOfTheReusedChunks();
    clock.set(T0.plus(Duration.ofHours(2)));
    assertThat(collect(collector, clock).chunksPlanned()).isEqualTo(reused.size());

    clock.set(T0.plus(Duration.ofMinutes(130)));
    agent.chunks().refresh(); // the snapshot starts and reads the plan: the planned chunks are stored afresh
    List<ChunkRef> refs = new ArrayList<>();
    List<ChunkStore.Put> puts = new ArrayList<>();
    for (int i = 0; i < reused.size(); i++) { // fresh copies share packs with new chunks
      puts.add(agent.chunks().put(reused.get(i)));
      refs.add(puts.get(puts.size() - 1).ref());
      refs.add(agent.chunks().put(fresh.get(i)).ref());
    }
    assertThat(puts).allSatisfy(p -> assertThat(p.uploaded()).as("stored afresh").isTrue());
    agent.chunks().flush(); // stored and indexed, the manifest not written yet

    clock.set(T0.plus(Duration.ofHours(4)));
    GarbageCollector.Report sweep = collect(collector, clock);
    assertThat(sweep.chunksDeleted()).as("the old copies are deleted").isEqualTo(reused.size());

    write(agent, "20260301T021000Z-000003", refs);

    List<byte[]> content = new ArrayList<>();
    for (int i = 0; i < reused.size(); i++) {
      content.add(reused.get(i));
      content.add(fresh.get(i));
    }
    assertEveryChunkReadable(refs, content);
  }

  /** Every chunk readable by a process that opens the repository now, and every manifest's chunks indexed. */
  @SafeVarargs
  private void assertEveryChunkReadable(List<ChunkRef> refs, List<byte[]>... contents) {
    Repository reader = Repository.open(store, MASTER, new SimpleMeterRegistry());
    List<byte[]> content = new ArrayList<>();
    for (List<byte[]> c : contents) {
      content.addAll(c);
    }
    for (int i = 0; i < refs.size(); i++) {
      assertThat(reader.chunks().get(refs.get(i).id())).isEqualTo(content.get(i));
    }
    List<String> manifests = new ArrayList<>();
    reader.manifests().listAll(manifests::add);
    for (String key : manifests) {
      for (Manifest.Stream s : reader.manifests().read(key).orElseThrow().streams()) {
        assertThat(s.chunks()).allSatisfy(ref -> assertThat(reader.chunks().exists(ref.id())).as("%s in %s", ref.id(), key).isTrue());
      }
    }
    assertThat(count(store, DeletionPlan.SWEEPS)).isZero();
    assertThat(count(store, Pack.PREFIX)).isPositive();
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(1, TimeUnit.MINUTES)) {
        throw new IllegalStateException("the other side never came");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static List<ChunkStore.Put> puts(Repository repository, List<byte[]> chunks) {
    List<ChunkStore.Put> puts = new ArrayList<>();
    chunks.forEach(c -> puts.add(repository.chunks().put(c)));
    return puts;
  }

  private static List<ChunkRef> put(Repository repository, List<byte[]> chunks) {
    return refs(puts(repository, chunks));
  }

  private static List<ChunkRef> refs(List<ChunkStore.Put> puts) {
    return new ArrayList<>(puts.stream().map(ChunkStore.Put::ref).toList());
  }

  private ManifestStore.Written write(Repository repository, String id, List<ChunkRef> refs) {
    return writeSnapshot(repository, id, clock.instant(), refs);
  }
}
