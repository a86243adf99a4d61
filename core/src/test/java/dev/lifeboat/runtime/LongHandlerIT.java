package dev.lifeboat.runtime;

import static dev.lifeboat.runtime.RuntimeFixture.FAST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.observe.Health;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Handlers that take longer than the consumer may go without polling: they must neither cost the
 * worker its place in the group nor be run twice, and a rebalance or a stop in the middle of one
 * must neither lose nor double its record.
 */
@LifeboatIntegrationTest
class LongHandlerIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  /** Lowered from the default 5 minutes, so that a handler of a few seconds outlasts it. */
  private static final int MAX_POLL_INTERVAL_MS = 3_000;
  private static final long SLOW_HANDLER_MS = 8_000;

  private final TestStack stack;
  private final KafkaOffsets offsets;
  @RegisterExtension
  final RuntimeFixture workers;
  private final Map<String, AtomicInteger> started = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> finished = new ConcurrentHashMap<>();

  LongHandlerIT(TestStack stack) {
    this.stack = stack;
    this.offsets = new KafkaOffsets(stack);
    this.workers = new RuntimeFixture(stack, "long-it");
  }

  @Test
  void aHandlerSlowerThanMaxPollIntervalCompletesOnceAndIsCommittedOnce() throws Exception {
    slowHandlerCompletesOnce(false);
  }

  @Test
  void aTransactionalHandlerSlowerThanMaxPollIntervalCompletesOnceAndIsCommittedOnce() throws Exception {
    slowHandlerCompletesOnce(true);
  }

  private void slowHandlerCompletesOnce(boolean transactional) throws Exception {
    String in = stack.newTopic("slow", 1);
    String out = stack.newTopic("slow-out", 1);
    String name = "slow-" + in;
    RecordHandler<SnapshotRequested> handler = (record, outputs) -> {
      String id = record.value().getRequestId();
      count(started, id);
      if (id.equals("slow")) {
        Thread.sleep(SLOW_HANDLER_MS); // the work itself, longer than max.poll.interval.ms
      }
      outputs.send(out, record.key(), record.value());
      count(finished, id);
    };
    WorkerDefinition<SnapshotRequested> definition = new WorkerDefinition<>(name, List.of(in), handler, FAST, true,
        WorkerDefinition.Exhausted.KEEP_RETRYING)
        .withConsumerProperty(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, MAX_POLL_INTERVAL_MS);
    workers.runtime.start(transactional ? definition.inTransactions() : definition);

    stack.send(in, "a", request("slow"));
    stack.send(in, "b", request("marker"));

    TopicPartition input = new TopicPartition(in, 0);
    await().atMost(WAIT).until(() -> offsets.committed("it-" + name, input) == 2);
    // past both records: nothing of them can be handled or sent again
    assertThat(started.get("slow")).hasValue(1);
    assertThat(finished.get("slow")).hasValue(1);
    assertThat(started.get("marker")).hasValue(1);
    assertThat(stack.read(out, SnapshotRequested.class, WAIT, l -> l.stream().anyMatch(r -> r.getRequestId().equals("marker"))))
        .extracting(SnapshotRequested::getRequestId).containsExactly("slow", "marker");
    // two outputs and nothing else: in transactions, two commit markers and no aborted attempt
    assertThat(offsets.end(new TopicPartition(out, 0))).isEqualTo(transactional ? 4 : 2);
    assertThat(workers.meters.counter("lifeboat.worker.restarts", "worker", name).count()).isZero();
    assertThat(workers.health.components().get("worker:" + name).state()).isEqualTo(Health.State.UP);
  }

  @Test
  void aPartitionTakenAwayDuringALongHandlerIsNeitherLostNorDoubled() throws Exception {
    String in = stack.newTopic("moved", 2);
    String out = stack.newTopic("moved-out", 1);
    String name = "moved-" + in;
    String group = "it-" + name;
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    RecordHandler<SnapshotRequested> first = (record, outputs) -> {
      count(started, record.value().getRequestId());
      if (holding.getCount() > 0) { // the first record it is given: held until the group has rebalanced around it
        holding.countDown();
        release.await(WAIT.toSeconds(), TimeUnit.SECONDS);
      }
      outputs.send(out, record.key(), record.value());
    };
    RecordHandler<SnapshotRequested> second = (record, outputs) -> {
      count(started, record.value().getRequestId());
      outputs.send(out, record.key(), record.value());
    };
    TopicPartition p0 = new TopicPartition(in, 0);
    TopicPartition p1 = new TopicPartition(in, 1);
    // one batch of the first instance holds both: one record in its handler, one waiting for it
    offsets.send(p0, "a", request("held-0"));
    offsets.send(p1, "b", request("held-1"));

    try (WorkerRuntime firstInstance = new WorkerRuntime(stack.kafka(), stack.registry(), stack.events("long-it"),
        new SimpleMeterRegistry(), new Health(Clock.systemUTC()), "it-")) {
      firstInstance.start(definition(name, in, first));
      assertThat(holding.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

      // a second instance joins while the first is inside the handler: one of the two partitions moves to it
      workers.runtime.start(definition(name, in, second));
      await().atMost(WAIT).until(() -> offsets.assignment(group).equals(new KafkaOffsets.Assignment(2, 2)));
      release.countDown();
    }
    // the first instance has stopped: the second reads both partitions on
    offsets.send(p0, "c", request("marker-0"));
    offsets.send(p1, "d", request("marker-1"));
    await().atMost(WAIT).until(() -> offsets.committed(group, p0) == 2 && offsets.committed(group, p1) == 2);

    assertThat(stack.read(out, SnapshotRequested.class, WAIT, l -> l.stream().filter(r -> r.getRequestId().startsWith("marker")).count() == 2))
        .extracting(SnapshotRequested::getRequestId).containsExactlyInAnyOrder("held-0", "held-1", "marker-0", "marker-1");
    assertThat(offsets.end(new TopicPartition(out, 0))).isEqualTo(4);
    // the record of the partition that moved was handled again by its new owner only if the first had not finished it
    assertThat(started.get("held-0").get() + started.get("held-1").get()).isBetween(2, 3);
  }

  @Test
  void aStopDuringALongHandlerGivesTheRecordUpAndTheNextStartReadsItAgain() throws Exception {
    String in = stack.newTopic("stopped", 1);
    String out = stack.newTopic("stopped-out", 1);
    String name = "stopped-" + in;
    CountDownLatch holding = new CountDownLatch(1);
    RecordHandler<SnapshotRequested> stuck = (record, outputs) -> {
      count(started, record.value().getRequestId());
      holding.countDown();
      new CountDownLatch(1).await(); // never done: only the stop's interrupt ends it
      outputs.send(out, record.key(), record.value());
    };
    RecordHandler<SnapshotRequested> echo = (record, outputs) -> {
      count(started, record.value().getRequestId());
      outputs.send(out, record.key(), record.value());
    };
    TopicPartition input = new TopicPartition(in, 0);

    Health firstHealth = new Health(Clock.systemUTC());
    try (WorkerRuntime firstInstance = new WorkerRuntime(stack.kafka(), stack.registry(), stack.events("long-it"),
        new SimpleMeterRegistry(), firstHealth, "it-")) {
      // the default max.poll.interval.ms (5 minutes): only a clean stop lets the next instance in at once
      firstInstance.start(new WorkerDefinition<>(name, List.of(in), stuck, FAST, true, WorkerDefinition.Exhausted.KEEP_RETRYING));
      stack.send(in, "a", request("held"));
      assertThat(holding.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    }
    assertThat(firstHealth.components().get("worker:" + name).state()).isEqualTo(Health.State.DOWN);
    assertThat(offsets.committed("it-" + name, input)).isZero();

    workers.runtime.start(new WorkerDefinition<>(name, List.of(in), echo, FAST, true, WorkerDefinition.Exhausted.KEEP_RETRYING));
    stack.send(in, "b", request("marker"));
    await().atMost(WAIT).until(() -> offsets.committed("it-" + name, input) == 2);
    assertThat(stack.read(out, SnapshotRequested.class, WAIT, l -> l.stream().anyMatch(r -> r.getRequestId().equals("marker"))))
        .extracting(SnapshotRequested::getRequestId).containsExactly("held", "marker");
    assertThat(offsets.end(new TopicPartition(out, 0))).isEqualTo(2);
    assertThat(started.get("held")).hasValue(2);
  }

  private static WorkerDefinition<SnapshotRequested> definition(String name, String topic, RecordHandler<SnapshotRequested> handler) {
    return new WorkerDefinition<>(name, List.of(topic), handler, FAST, true, WorkerDefinition.Exhausted.KEEP_RETRYING)
        .withConsumerProperty(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, MAX_POLL_INTERVAL_MS);
  }

  private static void count(Map<String, AtomicInteger> counts, String id) {
    counts.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
  }

  private SnapshotRequested request(String id) {
    return workers.request(id, "shop");
  }
}
