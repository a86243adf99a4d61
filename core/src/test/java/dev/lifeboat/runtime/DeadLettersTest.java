package dev.lifeboat.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.schemas.registry.SchemaRegistry;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.serde.AvroSerializer;
import dev.lifeboat.schemas.topics.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** Every dead letter is made one way: the record for lifeboat.dlq and its record.dead-lettered audit event. */
class DeadLettersTest {
  private final SchemaRegistry registry = registry();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final AuditPublisher audit = new AuditPublisher(null, new AvroSerializer<>(registry),
      new EventFactory("c1", "test", Clock.systemUTC()));
  private final DeadLetters deadLetters = new DeadLetters("the-worker", audit, Clock.systemUTC(), meters);

  @Test
  void aConsumedRecordsDeadLetterKeepsItsBytesAndHeadersAndItsAuditEventNamesTheWorkerAndWhy() {
    ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("in", 2, 5L, bytes("k"), bytes("garbage"));
    record.headers().add("trace", bytes("abc"));

    List<ProducerRecord<byte[], byte[]>> records = deadLetters.records(
        DeadLetters.Letter.of(record, new IllegalArgumentException("bad bytes")), "permanent failure");

    assertThat(records).hasSize(2);
    ProducerRecord<byte[], byte[]> dead = records.get(0);
    assertThat(dead.topic()).isEqualTo(Topics.DLQ);
    assertThat(dead.key()).isEqualTo(bytes("k"));
    assertThat(dead.value()).isEqualTo(bytes("garbage"));
    assertThat(header(dead, "trace")).isEqualTo("abc");
    assertThat(header(dead, DeadLetterPublisher.HEADER_TOPIC)).isEqualTo("in");
    assertThat(header(dead, DeadLetterPublisher.HEADER_PARTITION)).isEqualTo("2");
    assertThat(header(dead, DeadLetterPublisher.HEADER_OFFSET)).isEqualTo("5");
    assertThat(header(dead, DeadLetterPublisher.HEADER_ERROR_CLASS)).isEqualTo(IllegalArgumentException.class.getName());
    assertThat(header(dead, DeadLetterPublisher.HEADER_ERROR)).isEqualTo("IllegalArgumentException: bad bytes");
    assertThat(header(dead, DeadLetterPublisher.HEADER_WORKER)).isEqualTo("the-worker");

    AuditEvent event = audit(records.get(1));
    assertThat(event.getAction()).isEqualTo("record.dead-lettered");
    assertThat(event.getSubject()).isEqualTo("in-2@5");
    assertThat(event.getOutcome()).isEqualTo(AuditOutcome.FAILED);
    assertThat(event.getReason()).isEqualTo("permanent failure: IllegalArgumentException: bad bytes");
    assertThat(event.getHeader().getCorrelationId()).isEqualTo("worker:the-worker");
    assertThat(event.getDetails()).containsEntry("worker", "the-worker")
        .containsEntry("errorClass", IllegalArgumentException.class.getName());
    assertThat(meters.counter("lifeboat.dead.letters", "worker", "the-worker").count()).isEqualTo(1);
  }

  @Test
  void somethingThatNeverReachedItsTopicIsNamedByItsKeyAndItsErrorIsToldAsTheCallerSaysNowhereElse() {
    Exception quoting = new IllegalStateException("cannot seal: value was 'hunter2'");

    List<ProducerRecord<byte[], byte[]>> records = deadLetters.records(
        DeadLetters.Letter.unsent(Topics.RESOURCE_CHANGES, "c1/ns//Secret/db", quoting)
            .describedAs(IllegalStateException.class.getName()).detail("stage", "seal"),
        "the change could not be published");

    ProducerRecord<byte[], byte[]> dead = records.get(0);
    assertThat(dead.key()).isEqualTo(bytes("c1/ns//Secret/db"));
    assertThat(dead.value()).isNull();
    assertThat(header(dead, DeadLetterPublisher.HEADER_PARTITION)).isEqualTo("-1");
    assertThat(header(dead, DeadLetterPublisher.HEADER_ERROR)).isEqualTo(IllegalStateException.class.getName());
    dead.headers().forEach(h -> assertThat(new String(h.value(), StandardCharsets.UTF_8)).doesNotContain("hunter2"));
    AuditEvent event = audit(records.get(1));
    assertThat(event.getSubject()).isEqualTo("c1/ns//Secret/db");
    assertThat(event.getReason()).isEqualTo("the change could not be published: " + IllegalStateException.class.getName());
    assertThat(event.getDetails()).containsEntry("stage", "seal").containsEntry("worker", "the-worker");
  }

  @Test
  void withoutAnAuditPublisherTheDeadLetterIsMadeAlone() {
    DeadLetters alone = new DeadLetters("w", null, Clock.systemUTC(), meters);
    assertThat(alone.records(DeadLetters.Letter.unsent("t", "k", new RuntimeException("x")), "why"))
        .singleElement().satisfies(r -> assertThat(r.topic()).isEqualTo(Topics.DLQ));
  }

  private AuditEvent audit(ProducerRecord<byte[], byte[]> record) {
    assertThat(record.topic()).isEqualTo(Topics.AUDIT);
    return (AuditEvent) new AvroDeserializer<>(registry).decode(Topics.AUDIT, 0, 0, record.value());
  }

  private static String header(ProducerRecord<byte[], byte[]> record, String name) {
    return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A registry that keeps what it is given in memory: enough for the serde. */
  private static SchemaRegistry registry() {
    Map<Integer, Schema> byId = new ConcurrentHashMap<>();
    return (SchemaRegistry) Proxy.newProxyInstance(SchemaRegistry.class.getClassLoader(),
        new Class<?>[] {SchemaRegistry.class}, (proxy, method, args) -> switch (method.getName()) {
          case "register" -> {
            Schema schema = (Schema) args[1];
            int id = schema.toString().hashCode() & 0x7fffffff;
            byId.put(id, schema);
            yield id;
          }
          case "schemaById" -> byId.get((Integer) args[0]);
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }
}
