package dev.lifeboat.snapshotter.resources;

import dev.lifeboat.repository.testing.TestStores;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.observe.Health;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.changelog.ChangeLog;
import dev.lifeboat.repository.changelog.ChangeLogEntry;
import dev.lifeboat.repository.changelog.SegmentStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.runtime.WorkerRuntime;
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
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The archiver on the real stack: restarts continue where they committed, and bad records are skipped. */
@LifeboatIntegrationTest
class ChangeLogArchiverIT {

  @Test
  void aRestartedArchiverContinuesWhereItCommittedAndEveryChangeIsArchivedOnceInOrder(TestStack stack) throws Exception {
    String cluster = "arch-" + UUID.randomUUID().toString().substring(0, 8);
    String changes = stack.newTopic("resource-changes", 2);
    byte[] masterKey = new byte[32];
    Repository repository = Repository.openOrCreate(TestStores.primary(stack, "changelog-" + cluster), masterKey,
        ChunkerParams.DEFAULT, new SimpleMeterRegistry());
    SegmentStore segments = SegmentStore.open(repository, masterKey);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    List<String> sent = new ArrayList<>();
    try (WorkerRuntime runtime = new WorkerRuntime(stack.kafka(), stack.registry(), stack.events("snapshotter"), meters,
        new Health(Clock.systemUTC()), "it-")) {
      ChangeLogArchiver.Settings settings = new ChangeLogArchiver.Settings(cluster, changes, "it-changelog-" + cluster,
          Duration.ofMillis(500), ChangeLogArchiver.DEFAULT_MAX_SEGMENT_BYTES, repository.describe());

      ChangeLogArchiver first = start(settings, runtime, stack, segments);
      for (int i = 0; i < 6; i++) {
        ArchivedChanges.send(stack, changes, cluster, "first-" + i, sent);
      }
      stack.sendRaw(changes, cluster + "/shop//ConfigMap/broken", new byte[] {0, 0, 0, 0, 0});
      awaitArchived(stack, cluster, 6);
      first.close();
      Thread.sleep(1000); // let it finish its loop and close its consumer

      for (int i = 0; i < 6; i++) {
        ArchivedChanges.send(stack, changes, cluster, "second-" + i, sent);
      }
      ChangeLogArchiver second = start(settings, runtime, stack, segments);
      awaitArchived(stack, cluster, 12);
      second.close();

      assertThat(meters.get("lifeboat.changelog.segments").tag("outcome", "stored").counter().count()).isPositive();
      assertThat(meters.get("lifeboat.changelog.records").counter().count()).isGreaterThanOrEqualTo(12);
      assertThat(meters.get("lifeboat.changelog.dead.lettered").counter().count()).isGreaterThanOrEqualTo(1);
      assertThat(meters.get("lifeboat.changelog.lag.seconds").gauge().value()).isZero();
    }

    ChangeLog.Replay replay = new ChangeLog(segments).replay(cluster, Map.of(0, 0L, 1, 0L), Instant.now().plusSeconds(1));
    List<String> archived = new ArrayList<>();
    Map<Integer, List<String>> byPartition = new TreeMap<>();
    Map<Integer, Long> lastOffset = new HashMap<>();
    while (replay.hasNext()) {
      ChangeLogEntry entry = replay.next();
      assertThat(entry.offset()).as("offsets increase within a partition")
          .isGreaterThan(lastOffset.getOrDefault(entry.partition(), -1L));
      lastOffset.put(entry.partition(), entry.offset());
      archived.add(entry.change().getName());
      byPartition.computeIfAbsent(entry.partition(), p -> new ArrayList<>()).add(entry.change().getName());
    }
    assertThat(replay.gaps()).isEmpty();
    assertThat(archived).as("every change once").containsExactlyInAnyOrderElementsOf(sent);
    byPartition.values().forEach(names -> assertThat(names).as("a partition's changes in the order they were sent")
        .isEqualTo(sent.stream().filter(names::contains).toList()));
  }

  private static ChangeLogArchiver start(ChangeLogArchiver.Settings settings, WorkerRuntime runtime, TestStack stack,
      SegmentStore segments) {
    ChangeLogArchiver archiver = new ChangeLogArchiver(settings, runtime.context(), stack.events("snapshotter"), segments);
    new Thread(archiver, "it-archiver").start();
    return archiver;
  }

  private static void awaitArchived(TestStack stack, String cluster, long changes) {
    ArchivedChanges.awaitArchived(stack, cluster, changes).forEach(e -> assertThat(e.getSegmentKey())
        .isEqualTo(SegmentStore.key(cluster, e.getPartition(), e.getFirstOffset(), e.getLastOffset())));
  }
}
