package dev.lifeboat.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.RequestReason;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.observe.Health;
import dev.lifeboat.retry.RetryPolicy;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A batch handler on the runtime: its records are committed as far as its flushes say and no
 * further, whatever happens in between (a stop, an Error, a record that cannot be decoded, a flush
 * that fails).
 */
@LifeboatIntegrationTest
class BatchWorkerIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final RetryPolicy FAST = new RetryPolicy(Duration.ofMillis(50), Duration.ofMillis(200), 2.0, 0.1, Duration.ofSeconds(30));

  private final TestStack stack;
  private final KafkaOffsets offsets;
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final Health health = new Health(Clock.systemUTC());
  private final WorkerRuntime runtime;

  BatchWorkerIT(TestStack stack) {
    this.stack = stack;
    this.offsets = new KafkaOffsets(stack);
    this.runtime = new WorkerRuntime(stack.kafka(), stack.registry(), stack.events("batch-it"), meters, health, "it-");
  }

  @AfterEach
  void stop() {
    runtime.close();
  }

  @Test
  void recordsAreCommittedAsFarAsAFlushSaysAndWhatWasKeptButNotFlushedIsReadAgainAfterAStop() throws Exception {
    String in = stack.newTopic("batch", 1);
    String name = "batch-" + in;
    TopicPartition p = new TopicPartition(in, 0);
    Keeping first = new Keeping(3); // flushes when it keeps 3 records; its period (an hour) never comes
    Worker<SnapshotRequested> worker = runtime.start(definition(name, in, first, Duration.ofHours(1)));
    for (String id : List.of("r0", "r1", "r2")) {
      stack.send(in, id, request(id));
    }
    await().atMost(WAIT).until(() -> offsets.committed("it-" + name, p) == 3);
    assertThat(first.flushed).containsExactly("r0", "r1", "r2");

    stack.send(in, "r3", request("r3"));
    stack.send(in, "r4", request("r4"));
    await().atMost(WAIT).until(() -> first.kept.size() == 2);
    worker.stop();
    await().atMost(WAIT).until(() -> health.components().get("worker:" + name).detail().equals("stopped"));
    assertThat(offsets.committed("it-" + name, p)).as("kept, not flushed: not committed").isEqualTo(3);
    assertThat(first.closed).containsExactly(p);
    assertThat(first.kept).as("dropped when its partition closed").isEmpty();

    Keeping second = new Keeping(Integer.MAX_VALUE);
    runtime.start(definition(name, in, second, Duration.ofMillis(300)));
    await().atMost(WAIT).until(() -> offsets.committed("it-" + name, p) == 5);
    assertThat(second.opened).containsExactly(Map.of(p, 3L));
    assertThat(second.flushed).containsExactly("r3", "r4");
  }

  @Test
  void anUndecodableRecordIsDeadLetteredAndOthersKeysPassedOverBothCountedAsConsumed() throws Exception {
    String in = stack.newTopic("batch-bad", 1);
    String name = "batch-bad-" + in;
    TopicPartition p = new TopicPartition(in, 0);
    Keeping handler = new Keeping(Integer.MAX_VALUE);
    runtime.start(definition(name, in, handler, Duration.ofMillis(300)).onlyKeys(key -> !key.startsWith("other/")));
    stack.send(in, "mine/a", request("a"));
    stack.sendRaw(in, "mine/broken", "not avro at all".getBytes(StandardCharsets.UTF_8));
    stack.sendRaw(in, "other/x", "not avro either".getBytes(StandardCharsets.UTF_8));
    stack.send(in, "mine/b", request("b"));

    await().atMost(WAIT).until(() -> offsets.committed("it-" + name, p) == 4);
    assertThat(handler.flushed).containsExactly("a", "b");
    assertThat(handler.deadLettered).containsExactly(1L);
    assertThat(handler.consumedAtFlush).last().isEqualTo(Map.of(p, 4L));

    List<ConsumerRecord<byte[], byte[]>> dead = offsets.readToEnd(Topics.DLQ).stream()
        .filter(r -> in.equals(header(r, DeadLetterPublisher.HEADER_TOPIC))).toList();
    assertThat(dead).as("the other key's record is not this worker's to dead-letter").singleElement().satisfies(r -> {
      assertThat(header(r, DeadLetterPublisher.HEADER_OFFSET)).isEqualTo("1");
      assertThat(header(r, DeadLetterPublisher.HEADER_WORKER)).isEqualTo(name);
    });
    List<AuditEvent> audit = stack.read(Topics.AUDIT, AuditEvent.class, WAIT,
        l -> l.stream().anyMatch(e -> e.getAction().equals("record.dead-lettered") && e.getSubject().equals(in + "-0@1")));
    assertThat(audit).filteredOn(e -> e.getAction().equals("record.dead-lettered") && e.getSubject().startsWith(in))
        .singleElement().satisfies(e -> assertThat(e.getDetails()).containsEntry("worker", name));
    assertThat(meters.counter("lifeboat.dead.letters", "worker", name).count()).isEqualTo(1);
  }

  @Test
  void aFlushThatFailsCommitsNothingAndShowsInHealthUntilAFlushSucceeds() throws Exception {
    String in = stack.newTopic("batch-down", 1);
    String name = "batch-down-" + in;
    TopicPartition p = new TopicPartition(in, 0);
    Keeping handler = new Keeping(Integer.MAX_VALUE);
    handler.storeDown = true;
    runtime.start(definition(name, in, handler, Duration.ofMillis(300)));
    stack.send(in, "a", request("a"));
    stack.send(in, "b", request("b"));

    await().atMost(WAIT).until(() -> handler.failedFlushes >= 2 && handler.kept.size() == 2);
    assertThat(health.components().get("worker:" + name).state()).isEqualTo(Health.State.DEGRADED);
    assertThat(health.components().get("worker:" + name).detail()).contains("cannot flush").contains("store down");
    assertThat(offsets.committed("it-" + name, p)).as("only a flush commits").isZero();

    handler.storeDown = false;
    await().atMost(WAIT).until(() -> offsets.committed("it-" + name, p) == 2);
    assertThat(handler.flushed).containsExactly("a", "b");
    await().atMost(WAIT).until(() -> health.components().get("worker:" + name).state() == Health.State.UP);
  }

  @Test
  void anErrorInPutRestartsTheWorkerAndTheHandlerStartsAgainFromTheLastCommitLosingNothing() throws Exception {
    String in = stack.newTopic("batch-crash", 1);
    String name = "batch-crash-" + in;
    TopicPartition p = new TopicPartition(in, 0);
    Keeping handler = new Keeping(3); // flushes when it keeps 3 records: never before the Error
    handler.errorOnce = "boom";
    runtime.start(definition(name, in, handler, Duration.ofHours(1)));
    for (String id : List.of("a", "boom", "c")) {
      stack.send(in, id, request(id));
    }

    await().atMost(WAIT).until(() -> offsets.committed("it-" + name, p) == 3);
    assertThat(handler.flushed).as("each once, in order").containsExactly("a", "boom", "c");
    assertThat(handler.opened).as("opened at the last commit after the restart").containsExactly(Map.of(p, 0L), Map.of(p, 0L));
    assertThat(handler.closed).contains(p);
    assertThat(meters.counter("lifeboat.worker.restarts", "worker", name).count()).isEqualTo(1);
  }

  private static WorkerDefinition<SnapshotRequested> definition(String name, String topic, BatchHandler<SnapshotRequested> handler,
      Duration every) {
    return WorkerDefinition.batched(name, topic, handler, every).withRetryPolicy(FAST);
  }

  /** Keeps request ids per partition and flushes them into {@link #flushed}, committing all it was given. */
  private static final class Keeping implements BatchHandler<SnapshotRequested> {
    final int fullAt;
    final List<String> kept = new CopyOnWriteArrayList<>();
    final List<String> flushed = new CopyOnWriteArrayList<>();
    final List<Map<TopicPartition, Long>> opened = new CopyOnWriteArrayList<>();
    final List<TopicPartition> closed = new CopyOnWriteArrayList<>();
    final List<Long> deadLettered = new CopyOnWriteArrayList<>();
    final List<Map<TopicPartition, Long>> consumedAtFlush = new CopyOnWriteArrayList<>();
    volatile boolean storeDown;
    volatile String errorOnce;
    volatile int failedFlushes;

    Keeping(int fullAt) {
      this.fullAt = fullAt;
    }

    @Override
    public void open(Map<TopicPartition, Long> positions) {
      opened.add(Map.copyOf(positions));
    }

    @Override
    public void put(InboundRecord<SnapshotRequested> record) {
      String id = record.value().getRequestId();
      if (id.equals(errorOnce)) {
        errorOnce = null;
        throw new StackOverflowError("the handler recursed too deep");
      }
      kept.add(id);
    }

    @Override
    public void deadLettered(TopicPartition partition, long offset) {
      deadLettered.add(offset);
    }

    @Override
    public boolean full() {
      return kept.size() >= fullAt;
    }

    @Override
    public Flushed flush(Map<TopicPartition, Long> consumed) {
      consumedAtFlush.add(consumed);
      if (storeDown) {
        failedFlushes++;
        Map<TopicPartition, Throwable> failed = new HashMap<>();
        consumed.keySet().forEach(p -> failed.put(p, new IOException("store down")));
        return new Flushed(Map.of(), failed);
      }
      flushed.addAll(new ArrayList<>(kept));
      kept.clear();
      return Flushed.of(consumed);
    }

    @Override
    public void close(Collection<TopicPartition> partitions) {
      closed.addAll(partitions);
      kept.clear();
    }
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    var header = record.headers().lastHeader(name);
    return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
  }

  private SnapshotRequested request(String id) {
    return SnapshotRequested.newBuilder()
        .setHeader(stack.events("batch-it").header(id))
        .setRequestId(id)
        .setKind(SnapshotKind.RESOURCES)
        .setTarget("shop")
        .setReason(RequestReason.COMMAND)
        .build();
  }
}
