package dev.lifeboat.snapshotter.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lifeboat.events.v1.ChangeLogSegmentArchived;
import dev.lifeboat.observe.Health;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.changelog.ChangeLog;
import dev.lifeboat.repository.changelog.ChangeLogEntry;
import dev.lifeboat.repository.changelog.SegmentRef;
import dev.lifeboat.repository.changelog.SegmentStore;
import dev.lifeboat.repository.check.CheckProgress;
import dev.lifeboat.repository.check.CheckReport;
import dev.lifeboat.repository.check.RepositoryCheck;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.testing.TestStores;
import dev.lifeboat.runtime.WorkerRuntime;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Segments sealed every fraction of a second are merged on the real stack: the small ones give way
 * to merged ones announced with what they replace, and a reader replaying the log the whole time
 * never misses an offset nor sees a gap.
 */
@LifeboatIntegrationTest
class ChangeLogMergeIT {

  @Test
  void smallSegmentsAreMergedAndAReaderDuringTheMergesSeesEveryChangeOnce(TestStack stack) throws Exception {
    String cluster = "merge-" + UUID.randomUUID().toString().substring(0, 8);
    String changes = stack.newTopic("resource-changes", 2);
    byte[] masterKey = new byte[32];
    BlobStore store = TestStores.primary(stack, "changelog-" + cluster);
    Repository repository = Repository.openOrCreate(store, masterKey, ChunkerParams.DEFAULT, new SimpleMeterRegistry());
    SegmentStore segments = SegmentStore.open(repository, masterKey);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    List<String> sent = new ArrayList<>();
    ConcurrentLinkedQueue<String> readerProblems = new ConcurrentLinkedQueue<>();
    AtomicInteger replays = new AtomicInteger();
    AtomicBoolean reading = new AtomicBoolean(true);
    Thread reader = new Thread(() -> {
      Map<Integer, Long> seenUpTo = new HashMap<>();
      while (reading.get()) {
        try {
          ChangeLog.Replay replay = new ChangeLog(segments).replay(cluster, Map.of(0, 0L, 1, 0L), Instant.now().plusSeconds(60));
          Map<Integer, Long> next = new HashMap<>(Map.of(0, 0L, 1, 0L));
          while (replay.hasNext()) {
            ChangeLogEntry e = replay.next();
            if (e.offset() < next.get(e.partition())) {
              readerProblems.add("offset " + e.partition() + "@" + e.offset() + " yielded twice or out of order");
            }
            next.put(e.partition(), e.offset() + 1);
          }
          if (!replay.gaps().isEmpty()) {
            readerProblems.add("gaps " + replay.gaps());
          }
          replay.nextOffsets().forEach((p, upTo) -> {
            if (upTo < seenUpTo.getOrDefault(p, 0L)) {
              readerProblems.add("partition " + p + " read up to " + upTo + " after " + seenUpTo.get(p) + " before");
            }
            seenUpTo.merge(p, upTo, Math::max);
          });
          replays.incrementAndGet();
        } catch (RuntimeException e) {
          readerProblems.add(e.toString());
        }
      }
    }, "it-merge-reader");

    try (WorkerRuntime runtime = new WorkerRuntime(stack.kafka(), stack.registry(), stack.events("snapshotter"), meters,
        new Health(Clock.systemUTC()), "it-")) {
      ChangeLogArchiver.Settings settings = new ChangeLogArchiver.Settings(cluster, changes, "it-changelog-" + cluster,
          Duration.ofMillis(200), ChangeLogArchiver.DEFAULT_MAX_SEGMENT_BYTES, repository.describe())
          .withMerging(Duration.ofSeconds(2), ChangeLogArchiver.DEFAULT_MERGE_TARGET_BYTES);
      ChangeLogArchiver archiver = new ChangeLogArchiver(settings, runtime.context(), stack.events("snapshotter"), segments);
      new Thread(archiver, "it-archiver").start();
      reader.start();
      for (int round = 0; round < 8; round++) {
        for (int i = 0; i < 5; i++) {
          ArchivedChanges.send(stack, changes, cluster, "round-" + round + "-" + i, sent);
        }
        ArchivedChanges.awaitArchived(stack, cluster, sent.size()); // each round its own segments
      }
      int archived = (int) ArchivedChanges.awaitArchived(stack, cluster, sent.size()).stream()
          .filter(e -> e.getReplaces().isEmpty()).count();

      List<ChangeLogSegmentArchived> merges = stack.read(Topics.SNAPSHOTS, ChangeLogSegmentArchived.class,
          ArchivedChanges.WAIT, l -> l.stream().anyMatch(e -> e.getCluster().equals(cluster) && !e.getReplaces().isEmpty()))
          .stream().filter(e -> e.getCluster().equals(cluster) && !e.getReplaces().isEmpty()).toList();
      assertThat(merges).isNotEmpty();
      await().atMost(ArchivedChanges.WAIT).until(() -> count(segments, cluster) < archived / 2);
      archiver.close();
      reading.set(false);
      reader.join(30_000);

      ChangeLogSegmentArchived merge = merges.get(0);
      assertThat(merge.getReplaces()).allSatisfy(key -> {
        SegmentRef ref = SegmentStore.ref(key).orElseThrow();
        assertThat(ref.partition()).isEqualTo(merge.getPartition());
        assertThat(ref.firstOffset()).isGreaterThanOrEqualTo(merge.getFirstOffset());
        assertThat(ref.lastOffset()).isLessThanOrEqualTo(merge.getLastOffset());
        assertThat(store.stat(key)).as("replaced and deleted: " + key).isEmpty();
      });
      assertThat(meters.get("lifeboat.changelog.merges").tag("outcome", "merged").counter().count()).isPositive();
    }

    assertThat(readerProblems).as("what the reader saw while segments were merged").isEmpty();
    assertThat(replays.get()).as("replays made during the merges").isGreaterThan(3);
    ChangeLog.Replay replay = new ChangeLog(segments).replay(cluster, Map.of(0, 0L, 1, 0L), Instant.now().plusSeconds(1));
    List<String> names = new ArrayList<>();
    replay.forEachRemaining(e -> names.add(e.change().getName()));
    assertThat(replay.gaps()).isEmpty();
    assertThat(names).as("every change once").containsExactlyInAnyOrderElementsOf(sent);
    CheckReport report = new RepositoryCheck(store, masterKey, 1.0, CheckProgress.NONE).run();
    assertThat(report.problems()).as("the repository check of the merged log").isEmpty();
  }

  private static int count(SegmentStore segments, String cluster) {
    return segments.listAll(cluster).values().stream().mapToInt(List::size).sum();
  }
}
