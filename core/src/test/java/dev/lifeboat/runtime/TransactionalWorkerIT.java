package dev.lifeboat.runtime;

import static dev.lifeboat.runtime.RuntimeFixture.FAST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.observe.Health;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.testing.TestStack;
import dev.lifeboat.testing.TopicEnd;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Workers in transactional mode: a record's outputs and its offset are committed together, or not at all. */
@LifeboatIntegrationTest
class TransactionalWorkerIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final TestStack stack;
  @RegisterExtension
  final RuntimeFixture workers;

  TransactionalWorkerIT(TestStack stack) {
    this.stack = stack;
    this.workers = new RuntimeFixture(stack, "tx-it");
  }

  @Test
  void eachRecordsOutputsAndOffsetAreCommittedTogether() throws Exception {
    String in = stack.newTopic("tx-in", 2);
    String out = stack.newTopic("tx-out", 1);
    String name = "tx-echo-" + in;
    workers.runtime.start(definition(name, in, (record, outputs) -> outputs.send(out, record.key(), record.value())));

    for (int i = 0; i < 4; i++) {
      stack.send(in, "target-" + i, workers.request("r" + i, "ns"));
    }

    List<SnapshotRequested> echoed = stack.read(out, SnapshotRequested.class, WAIT, l -> l.size() >= 4);
    assertThat(echoed).extracting(SnapshotRequested::getRequestId).containsExactlyInAnyOrder("r0", "r1", "r2", "r3");
    await().atMost(WAIT).until(() -> committed("it-" + name, in) == 4);
    assertThat(workers.health.components().get("worker:" + name).state()).isEqualTo(Health.State.UP);
  }

  @Test
  void aFailedTransactionIsAbortedAndItsRecordProcessedAgain() throws Exception {
    String in = stack.newTopic("tx-abort-in", 1);
    String out = stack.newTopic("tx-abort-out", 1);
    Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    String name = "tx-abort-" + in;
    workers.runtime.start(definition(name, in, (record, outputs) -> {
      int attempt = attempts.computeIfAbsent(record.value().getRequestId(), k -> new AtomicInteger()).incrementAndGet();
      outputs.send(out, record.key(), workers.request(record.value().getRequestId() + "-attempt-" + attempt, "ns"));
      if (attempt == 1) {
        // larger than any record Lifeboat's producers may send (TopicCatalog.MAX_RECORD_BYTES): the send
        // fails, so the commit fails and the transaction is aborted
        outputs.send(out, record.key(), workers.request("too-large", "x".repeat(9 << 20)));
      }
    }));

    stack.send(in, "a", workers.request("only", "ns"));

    // the input's offset is committed in the same transaction as the outputs: once it is, the output is final
    await().atMost(WAIT).until(() -> committed("it-" + name, in) == 1);
    AvroDeserializer<Object> deserializer = new AvroDeserializer<>(stack.registry());
    List<Object> committed = TopicEnd.readToEnd(stack.kafka(), out).stream()
        .map(r -> deserializer.decode(r.topic(), r.partition(), r.offset(), r.value())).toList();
    assertThat(committed).extracting(r -> ((SnapshotRequested) r).getRequestId()).containsExactly("only-attempt-2");
    assertThat(attempts.get("only")).hasValue(2);
  }

  @Test
  void aDeadLetterIsCommittedWithTheOffsetAndTheWorkerGoesOn() throws Exception {
    String in = stack.newTopic("tx-poison", 1);
    String out = stack.newTopic("tx-poison-out", 1);
    String name = "tx-poison-" + in;
    workers.runtime.start(definition(name, in, (record, outputs) -> outputs.send(out, record.key(), record.value())));

    stack.sendRaw(in, "garbage", "not avro".getBytes(StandardCharsets.UTF_8));
    stack.send(in, "fine", workers.request("good", "ns"));

    assertThat(stack.read(out, SnapshotRequested.class, WAIT, l -> !l.isEmpty()))
        .singleElement().extracting(SnapshotRequested::getRequestId).isEqualTo("good");
    List<ConsumerRecord<byte[], byte[]>> dead = stack.readRaw(Topics.DLQ, WAIT, l -> l.stream().anyMatch(r -> fromTopic(r, in)));
    assertThat(dead.stream().filter(r -> fromTopic(r, in))).singleElement()
        .satisfies(r -> assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo("not avro"));
    await().atMost(WAIT).until(() -> committed("it-" + name, in) == 2);
  }

  @Test
  void aRestartedWorkerTakesUpItsTransactionalIdAndGoesOnWhereItCommitted() throws Exception {
    String in = stack.newTopic("tx-restart", 1);
    String out = stack.newTopic("tx-restart-out", 1);
    String name = "tx-restart-" + in;
    RecordHandler<SnapshotRequested> echo = (record, outputs) -> outputs.send(out, record.key(), record.value());
    try (WorkerRuntime first = workers.newRuntime()) {
      first.start(definition(name, in, echo));
      stack.send(in, "a", workers.request("first", "ns"));
      stack.read(out, SnapshotRequested.class, WAIT, l -> !l.isEmpty());
    }
    stack.send(in, "b", workers.request("second", "ns"));
    workers.runtime.start(definition(name, in, echo));

    stack.read(out, SnapshotRequested.class, WAIT, l -> l.size() >= 2);
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10))
        .until(() -> stack.read(out, SnapshotRequested.class, Duration.ofMillis(500), l -> false).size() == 2);
    assertThat(stack.read(out, SnapshotRequested.class, WAIT, l -> l.size() >= 2))
        .extracting(SnapshotRequested::getRequestId).containsExactly("first", "second");
  }

  private static WorkerDefinition<SnapshotRequested> definition(String name, String topic, RecordHandler<SnapshotRequested> handler) {
    return new WorkerDefinition<>(name, List.of(topic), handler, FAST, true, WorkerDefinition.Exhausted.KEEP_RETRYING)
        .inTransactions();
  }

  private long committed(String group, String topic) throws Exception {
    try (Admin admin = stack.kafka().admin()) {
      Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      return offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(topic))
          .mapToLong(e -> e.getValue() == null ? 0 : e.getValue().offset()).sum();
    }
  }

  private static boolean fromTopic(ConsumerRecord<byte[], byte[]> record, String topic) {
    var header = record.headers().lastHeader(DeadLetterPublisher.HEADER_TOPIC);
    return header != null && topic.equals(new String(header.value(), StandardCharsets.UTF_8));
  }
}
