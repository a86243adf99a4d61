package dev.lifeboat.snapshotter.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lifeboat.observe.Health;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.blob.FaultInjectingBlobStore;
import dev.lifeboat.repository.blob.HookingBlobStore;
import dev.lifeboat.repository.changelog.ChangeLog;
import dev.lifeboat.repository.changelog.ChangeLogEntry;
import dev.lifeboat.repository.changelog.SegmentStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.testing.TestStores;
import dev.lifeboat.runtime.WorkerRuntime;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import dev.lifeboat.testing.TopicEnd;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The archiver runs on the worker runtime: an Error restarts it rather than ending it, and a store
 * that is down leaves the changes on Kafka, uncommitted, with the archiver DEGRADED until it is back.
 */
@LifeboatIntegrationTest
class ChangeLogArchiverRuntimeIT {
  private static final byte[] MASTER_KEY = new byte[32];

  @Test
  void anErrorWhileStoringASegmentRestartsTheArchiverAndEveryChangeIsStillArchivedOnce(TestStack stack) throws Exception {
    String cluster = "arch-" + UUID.randomUUID().toString().substring(0, 8);
    String changes = stack.newTopic("resource-changes", 1);
    BlobStore store = new HookingBlobStore(TestStores.primary(stack, "changelog-" + cluster))
        .beforeFirstPut("changelog/", () -> {
          throw new StackOverflowError("the segment writer recursed too deep");
        });
    SegmentStore segments = segments(store);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    Health health = new Health(Clock.systemUTC());
    List<String> sent = new ArrayList<>();
    try (WorkerRuntime runtime = new WorkerRuntime(stack.kafka(), stack.registry(), stack.events("snapshotter"), meters,
        health, "it-")) {
      Running archiver = start(stack, runtime, cluster, changes, segments);
      for (int i = 0; i < 5; i++) {
        ArchivedChanges.send(stack, changes, cluster, "c" + i, sent);
      }
      ArchivedChanges.awaitArchived(stack, cluster, 5);
      assertThat(meters.counter("lifeboat.worker.restarts", "worker", "changelog:" + cluster).count()).isEqualTo(1);
      assertThat(health.components().get("worker:changelog:" + cluster).detail())
          .contains("restarted 1 time").contains("StackOverflowError");
      archiver.close();
    }
    assertThat(replay(segments, cluster)).as("every change once, in order").isEqualTo(sent);
  }

  @Test
  void whileTheStoreIsDownTheChangesStayOnKafkaUncommittedAndAreArchivedOnceItIsBack(TestStack stack) throws Exception {
    String cluster = "arch-" + UUID.randomUUID().toString().substring(0, 8);
    String changes = stack.newTopic("resource-changes", 1);
    FaultInjectingBlobStore store = new FaultInjectingBlobStore(TestStores.primary(stack, "changelog-" + cluster));
    SegmentStore segments = segments(store);
    store.failAll(FaultInjectingBlobStore.Fault.RETRIABLE);
    Health health = new Health(Clock.systemUTC());
    List<String> sent = new ArrayList<>();
    try (WorkerRuntime runtime = new WorkerRuntime(stack.kafka(), stack.registry(), stack.events("snapshotter"),
        new SimpleMeterRegistry(), health, "it-")) {
      Running archiver = start(stack, runtime, cluster, changes, segments);
      for (int i = 0; i < 3; i++) {
        ArchivedChanges.send(stack, changes, cluster, "down-" + i, sent);
      }
      String component = "worker:changelog:" + cluster;
      await().atMost(ArchivedChanges.WAIT).until(() -> health.components().get(component) != null
          && health.components().get(component).state() == Health.State.DEGRADED);
      assertThat(health.components().get(component).detail()).contains("cannot flush");
      ArchivedChanges.send(stack, changes, cluster, "down-3", sent); // refused by the archiver: it stays on Kafka
      assertThat(committed(stack, "it-changelog-" + cluster, new TopicPartition(changes, 0)))
          .as("nothing stored, nothing committed").isZero();
      assertThat(TopicEnd.readToEnd(stack.kafka(), Topics.SNAPSHOTS)).as("nothing announced")
          .noneMatch(r -> r.key() != null && new String(r.key()).startsWith("changelog/" + cluster + "/"));

      store.heal();
      ArchivedChanges.awaitArchived(stack, cluster, 4);
      await().atMost(ArchivedChanges.WAIT).until(() -> health.components().get(component).state() == Health.State.UP);
      archiver.close();
    }
    assertThat(replay(segments, cluster)).as("every change once, in order").isEqualTo(sent);
  }

  private static SegmentStore segments(BlobStore store) {
    Repository repository = Repository.openOrCreate(store, MASTER_KEY, ChunkerParams.DEFAULT, new SimpleMeterRegistry());
    return SegmentStore.open(repository, MASTER_KEY);
  }

  /** An archiver on a thread of its own; closing it waits for the thread, before the runtime's producer closes. */
  private record Running(ChangeLogArchiver archiver, Thread thread) implements AutoCloseable {
    @Override
    public void close() throws InterruptedException {
      archiver.close();
      thread.join(ArchivedChanges.WAIT.toMillis());
    }
  }

  private static Running start(TestStack stack, WorkerRuntime runtime, String cluster, String topic, SegmentStore segments) {
    ChangeLogArchiver.Settings settings = new ChangeLogArchiver.Settings(cluster, topic, "it-changelog-" + cluster,
        Duration.ofMillis(500), ChangeLogArchiver.DEFAULT_MAX_SEGMENT_BYTES, "test");
    ChangeLogArchiver archiver = new ChangeLogArchiver(settings, runtime.context(), stack.events("snapshotter"), segments);
    Thread thread = new Thread(archiver, "it-archiver");
    thread.start();
    return new Running(archiver, thread);
  }

  private static List<String> replay(SegmentStore segments, String cluster) {
    ChangeLog.Replay replay = new ChangeLog(segments).replay(cluster, Map.of(0, 0L), Instant.now().plusSeconds(1));
    List<String> names = new ArrayList<>();
    while (replay.hasNext()) {
      ChangeLogEntry entry = replay.next();
      names.add(entry.change().getName());
    }
    assertThat(replay.gaps()).isEmpty();
    return names;
  }

  private static long committed(TestStack stack, String group, TopicPartition partition) throws Exception {
    try (Admin admin = stack.kafka().admin()) {
      OffsetAndMetadata offset = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().get(partition);
      return offset == null ? 0 : offset.offset();
    }
  }
}
