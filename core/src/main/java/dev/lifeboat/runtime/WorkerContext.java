package dev.lifeboat.runtime;

import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.observe.Health;
import dev.lifeboat.schemas.registry.SchemaRegistry;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.serde.AvroSerializer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.apache.kafka.clients.producer.Producer;

/**
 * What every worker of a process shares: Kafka settings, one producer, the registry and its serde,
 * audit and dead-letter publishing, metrics, health and the clock.
 */
public record WorkerContext(
    KafkaClients kafka,
    String groupPrefix,
    Producer<byte[], byte[]> producer,
    SchemaRegistry registry,
    AvroSerializer<Object> serializer,
    AvroDeserializer<Object> deserializer,
    AuditPublisher audit,
    MeterRegistry meters,
    Health health,
    Clock clock) {

  /** The dead-letter reporter of worker {@code worker}: every dead letter goes through one, with its audit event. */
  public DeadLetters deadLetters(String worker) {
    return new DeadLetters(worker, audit, clock, meters);
  }
}
