package dev.lifeboat.runtime;

import static dev.lifeboat.runtime.RuntimeFixture.FAST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.observe.Health;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@LifeboatIntegrationTest
class WorkerIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final TestStack stack;
  @RegisterExtension
  final RuntimeFixture workers;

  WorkerIT(TestStack stack) {
    this.stack = stack;
    this.workers = new RuntimeFixture(stack, "worker-it");
  }

  @Test
  void handsEachRecordToTheHandlerAndProducesItsOutputs() {
    String in = stack.newTopic("requests", 2);
    String out = stack.newTopic("echo", 1);
    workers.runtime.start(new WorkerDefinition<SnapshotRequested>("echo-" + in, List.of(in), (record, outputs) ->
        outputs.send(out, record.key(), record.value()), FAST, true, WorkerDefinition.Exhausted.KEEP_RETRYING));

    for (int i = 0; i < 5; i++) {
      stack.send(in, "target-" + i, workers.request("r" + i, "ns-" + i));
    }

    List<SnapshotRequested> echoed = stack.read(out, SnapshotRequested.class, WAIT, l -> l.size() >= 5);
    assertThat(echoed).extracting(SnapshotRequested::getRequestId).containsExactlyInAnyOrder("r0", "r1", "r2", "r3", "r4");
    assertThat(workers.meters.counter("lifeboat.worker.records", "worker", "echo-" + in, "outcome", "processed").count()).isEqualTo(5);
  }

  @Test
  void badInputGoesToTheDeadLetterTopicWithAnAuditEventAndTheWorkerGoesOn() {
    String in = stack.newTopic("poison", 1);
    String out = stack.newTopic("survivors", 1);
    workers.runtime.start(new WorkerDefinition<SnapshotRequested>("poison-" + in, List.of(in), (record, outputs) -> {
      if (record.value().getTarget().equals("explode")) {
        throw new IllegalStateException("handler refuses target 'explode'");
      }
      outputs.send(out, record.key(), record.value());
    }, FAST, true, WorkerDefinition.Exhausted.KEEP_RETRYING));

    stack.sendRaw(in, "garbage", "not avro at all".getBytes(StandardCharsets.UTF_8));
    stack.sendRaw(in, "short", new byte[] {0, 0});
    stack.sendRaw(in, "unknown-id", new byte[] {0, 0x7f, (byte) 0xff, (byte) 0xff, 0x01, 0x02});
    stack.send(in, "refused", workers.request("bad", "explode"));
    stack.send(in, "fine", workers.request("good", "shop"));

    assertThat(stack.read(out, SnapshotRequested.class, WAIT, l -> !l.isEmpty()))
        .singleElement().extracting(SnapshotRequested::getRequestId).isEqualTo("good");

    List<ConsumerRecord<byte[], byte[]>> dead = stack.readRaw(Topics.DLQ, WAIT, l -> fromTopic(l, in).size() >= 4);
    List<ConsumerRecord<byte[], byte[]>> ours = fromTopic(dead, in);
    assertThat(ours).hasSize(4);
    assertThat(ours).extracting(r -> new String(r.key(), StandardCharsets.UTF_8))
        .containsExactly("garbage", "short", "unknown-id", "refused");
    assertThat(ours.get(0).value()).isEqualTo("not avro at all".getBytes(StandardCharsets.UTF_8));
    assertThat(header(ours.get(0), DeadLetterPublisher.HEADER_OFFSET)).isEqualTo("0");
    assertThat(header(ours.get(0), DeadLetterPublisher.HEADER_ERROR)).contains("magic byte");
    assertThat(header(ours.get(1), DeadLetterPublisher.HEADER_ERROR)).contains("shorter than the 5-byte");
    assertThat(header(ours.get(2), DeadLetterPublisher.HEADER_ERROR)).contains("unknown schema id");
    assertThat(header(ours.get(3), DeadLetterPublisher.HEADER_ERROR)).contains("handler refuses target 'explode'");

    List<AuditEvent> audit = stack.read(Topics.AUDIT, AuditEvent.class, WAIT,
        l -> l.stream().filter(e -> e.getAction().equals("record.dead-lettered") && e.getSubject().startsWith(in)).count() >= 4);
    assertThat(audit).filteredOn(e -> e.getAction().equals("record.dead-lettered") && e.getSubject().startsWith(in))
        .extracting(AuditEvent::getSubject)
        .containsExactly(in + "-0@0", in + "-0@1", in + "-0@2", in + "-0@3");
    assertThat(workers.health.components().get("worker:poison-" + in).state()).isEqualTo(Health.State.UP);
  }

  @Test
  void retriableFailuresAreRetriedWithoutLosingOrDuplicatingTheRecord() {
    String in = stack.newTopic("flaky", 1);
    String out = stack.newTopic("flaky-out", 1);
    Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    workers.runtime.start(new WorkerDefinition<SnapshotRequested>("flaky-" + in, List.of(in), (record, outputs) -> {
      int attempt = attempts.computeIfAbsent(record.value().getRequestId(), k -> new AtomicInteger()).incrementAndGet();
      if (record.value().getRequestId().equals("flaky") && attempt <= 3) {
        throw new IOException("object store unreachable (attempt " + attempt + ")");
      }
      outputs.send(out, record.key(), record.value());
    }, FAST, true, WorkerDefinition.Exhausted.KEEP_RETRYING));

    stack.send(in, "a", workers.request("before", "shop"));
    stack.send(in, "b", workers.request("flaky", "shop"));
    stack.send(in, "c", workers.request("after", "shop"));

    List<SnapshotRequested> done = stack.read(out, SnapshotRequested.class, WAIT, l -> l.size() >= 3);
    assertThat(done).extracting(SnapshotRequested::getRequestId).containsExactly("before", "flaky", "after");
    assertThat(attempts.get("flaky")).hasValue(4);
    assertThat(attempts.get("after")).hasValue(1);
    assertThat(workers.meters.counter("lifeboat.worker.records", "worker", "flaky-" + in, "outcome", "retried").count()).isEqualTo(3);
    assertThat(stack.readRaw(Topics.DLQ, Duration.ofSeconds(2), l -> false)).noneMatch(r -> header(r, DeadLetterPublisher.HEADER_TOPIC).equals(in));
  }

  @Test
  void aRestartedWorkerResumesAfterWhatWasCommittedAndAuditsItsStartAndStop() {
    String in = stack.newTopic("resume", 1);
    String out = stack.newTopic("resume-out", 1);
    RecordHandler<SnapshotRequested> echo = (record, outputs) -> outputs.send(out, record.key(), record.value());
    WorkerDefinition<SnapshotRequested> definition =
        new WorkerDefinition<>("resume-" + in, List.of(in), echo, FAST, true, WorkerDefinition.Exhausted.KEEP_RETRYING);

    stack.send(in, "a", workers.request("first", "shop"));
    try (WorkerRuntime first = workers.newRuntime()) {
      first.start(definition);
      stack.read(out, SnapshotRequested.class, WAIT, l -> l.size() >= 1);
    }
    stack.send(in, "b", workers.request("second", "shop"));
    workers.runtime.start(definition);

    List<SnapshotRequested> all = stack.read(out, SnapshotRequested.class, WAIT, l -> l.size() >= 2);
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
        .until(() -> stack.read(out, SnapshotRequested.class, Duration.ofMillis(500), l -> false).size() == 2);
    assertThat(all).extracting(SnapshotRequested::getRequestId).containsExactly("first", "second");

    List<AuditEvent> audit = stack.read(Topics.AUDIT, AuditEvent.class, WAIT,
        l -> l.stream().filter(e -> e.getSubject().equals("worker:resume-" + in)).count() >= 3);
    assertThat(audit).filteredOn(e -> e.getSubject().equals("worker:resume-" + in))
        .extracting(AuditEvent::getAction).startsWith("component.start", "component.stop", "component.start");
  }

  private static List<ConsumerRecord<byte[], byte[]>> fromTopic(List<ConsumerRecord<byte[], byte[]>> dead, String topic) {
    return dead.stream().filter(r -> topic.equals(header(r, DeadLetterPublisher.HEADER_TOPIC))).toList();
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    var header = record.headers().lastHeader(name);
    return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
  }
}
