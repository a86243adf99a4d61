package dev.lifeboat.runtime;

import static dev.lifeboat.runtime.RuntimeFixture.FAST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.observe.Health;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A worker that an Error ends is restarted, its record read again, and the restart counted, audited and shown. */
@LifeboatIntegrationTest
class WorkerRestartIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final TestStack stack;
  private final KafkaOffsets offsets;
  @RegisterExtension
  final RuntimeFixture workers;
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

  WorkerRestartIT(TestStack stack) {
    this.stack = stack;
    this.offsets = new KafkaOffsets(stack);
    this.workers = new RuntimeFixture(stack, "restart-it");
  }

  @Test
  void aHandlerThatThrowsAnErrorIsRestartedAndItsRecordIsNotLost() throws Exception {
    errorOnFirstCallIsSurvived(false);
  }

  @Test
  void aTransactionalHandlerThatThrowsAnErrorIsRestartedAndItsRecordIsNotLost() throws Exception {
    errorOnFirstCallIsSurvived(true);
  }

  private void errorOnFirstCallIsSurvived(boolean transactional) throws Exception {
    String in = stack.newTopic("doomed", 1);
    String out = stack.newTopic("doomed-out", 1);
    String name = "doomed-" + in;
    WorkerDefinition<SnapshotRequested> definition = definition(name, in, (record, outputs) -> {
      String id = record.value().getRequestId();
      if (count(id) == 1 && id.equals("doomed")) {
        throw new StackOverflowError("the handler recursed too deep");
      }
      outputs.send(out, record.key(), record.value());
    });
    workers.runtime.start(transactional ? definition.inTransactions() : definition);

    stack.send(in, "a", request("doomed"));
    stack.send(in, "b", request("marker"));

    await().atMost(WAIT).until(() -> offsets.committed("it-" + name, new TopicPartition(in, 0)) == 2);
    assertThat(calls.get("doomed")).hasValue(2);
    assertThat(calls.get("marker")).hasValue(1);
    assertThat(stack.read(out, SnapshotRequested.class, WAIT, l -> l.stream().anyMatch(r -> r.getRequestId().equals("marker"))))
        .extracting(SnapshotRequested::getRequestId).containsExactly("doomed", "marker");

    assertThat(workers.meters.counter("lifeboat.worker.restarts", "worker", name).count()).isEqualTo(1);
    AuditEvent restart = restarts(name, 1).get(0);
    assertThat(restart.getOutcome()).isEqualTo(AuditOutcome.FAILED);
    assertThat(restart.getReason()).contains("StackOverflowError: the handler recursed too deep").contains(in + "-0@0");
    assertThat(restart.getDetails()).containsEntry("restarts", "1").containsEntry("errorClass", "java.lang.StackOverflowError");
    Health.Status status = workers.health.components().get("worker:" + name);
    assertThat(status.state()).isEqualTo(Health.State.UP);
    assertThat(status.detail()).contains("restarted 1 time").contains("StackOverflowError");
  }

  @Test
  void aRecordWhoseHandlerEndsTheWorkerEveryTimeIsDeadLetteredAfterThreeCrashesAndTheWorkerGoesOn() throws Exception {
    String in = stack.newTopic("poison-error", 1);
    String out = stack.newTopic("poison-error-out", 1);
    String name = "poison-error-" + in;
    workers.runtime.start(definition(name, in, (record, outputs) -> {
      String id = record.value().getRequestId();
      count(id);
      if (id.equals("poison")) {
        throw new StackOverflowError("the handler recursed too deep");
      }
      outputs.send(out, record.key(), record.value());
    }));

    stack.send(in, "a", request("poison"));
    stack.send(in, "b", request("marker"));

    await().atMost(WAIT).until(() -> offsets.committed("it-" + name, new TopicPartition(in, 0)) == 2);
    assertThat(calls.get("poison")).hasValue(WorkerSupervisor.DEAD_LETTER_AFTER);
    assertThat(calls.get("marker")).hasValue(1);
    assertThat(stack.read(out, SnapshotRequested.class, WAIT, l -> l.stream().anyMatch(r -> r.getRequestId().equals("marker"))))
        .extracting(SnapshotRequested::getRequestId).containsExactly("marker");

    // its dead letter was acknowledged before the offset was committed: all of them are on the topic now
    List<ConsumerRecord<byte[], byte[]>> dead = offsets.readToEnd(Topics.DLQ).stream()
        .filter(r -> in.equals(header(r, DeadLetterPublisher.HEADER_TOPIC))).toList();
    assertThat(dead).singleElement().satisfies(r -> {
      assertThat(header(r, DeadLetterPublisher.HEADER_OFFSET)).isEqualTo("0");
      assertThat(header(r, DeadLetterPublisher.HEADER_ERROR_CLASS)).isEqualTo("java.lang.StackOverflowError");
    });
    List<AuditEvent> audit = stack.read(Topics.AUDIT, AuditEvent.class, WAIT,
        l -> l.stream().anyMatch(e -> e.getAction().equals("record.dead-lettered") && e.getSubject().equals(in + "-0@0")));
    assertThat(audit).filteredOn(e -> e.getAction().equals("record.dead-lettered") && e.getSubject().equals(in + "-0@0"))
        .singleElement().satisfies(e -> assertThat(e.getReason()).contains("ended the worker 3 times in a row")
            .contains("StackOverflowError"));

    assertThat(workers.meters.counter("lifeboat.worker.restarts", "worker", name).count()).isEqualTo(WorkerSupervisor.DEAD_LETTER_AFTER);
    assertThat(restarts(name, WorkerSupervisor.DEAD_LETTER_AFTER)).allSatisfy(e ->
        assertThat(e.getDetails()).containsEntry("record", in + "-0@0"));
    assertThat(workers.health.components().get("worker:" + name).state()).isEqualTo(Health.State.UP);
  }

  /** The worker's restart audit events, once there are {@code count} of them. */
  private List<AuditEvent> restarts(String name, int count) {
    String component = "worker:" + name;
    List<AuditEvent> audit = stack.read(Topics.AUDIT, AuditEvent.class, WAIT,
        l -> l.stream().filter(e -> e.getAction().equals("component.restart") && e.getSubject().equals(component)).count() >= count);
    List<AuditEvent> restarts = audit.stream()
        .filter(e -> e.getAction().equals("component.restart") && e.getSubject().equals(component)).toList();
    assertThat(restarts).hasSize(count);
    return restarts;
  }

  private int count(String id) {
    return calls.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
  }

  private static WorkerDefinition<SnapshotRequested> definition(String name, String topic, RecordHandler<SnapshotRequested> handler) {
    return new WorkerDefinition<>(name, List.of(topic), handler, FAST, true, WorkerDefinition.Exhausted.KEEP_RETRYING);
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    var header = record.headers().lastHeader(name);
    return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
  }

  private SnapshotRequested request(String id) {
    return workers.request(id, "shop");
  }
}
