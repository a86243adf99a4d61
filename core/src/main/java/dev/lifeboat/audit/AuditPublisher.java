package dev.lifeboat.audit;

import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.events.v1.Progress;
import dev.lifeboat.schemas.serde.AvroSerializer;
import dev.lifeboat.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes {@link AuditEvent}s to {@code lifeboat.audit}, keyed by correlation id (the event id when
 * there is none), so that every event about one command stays in order on one partition.
 */
public final class AuditPublisher {
  private static final Logger log = LoggerFactory.getLogger(AuditPublisher.class);

  private final Producer<byte[], byte[]> producer;
  private final AvroSerializer<Object> serializer;
  private final EventFactory events;

  public AuditPublisher(Producer<byte[], byte[]> producer, AvroSerializer<Object> serializer, EventFactory events) {
    this.producer = producer;
    this.serializer = serializer;
    this.events = events;
  }

  /**
   * An event about a component's life (start, stop, crash), keyed by the component so that its
   * events stay in order on one partition.
   */
  public Builder component(String action, String component, AuditOutcome outcome) {
    return new Builder("component." + action, component, outcome).correlationId(component);
  }

  /** Starts an audit event: what was done, to what, and how it went. */
  public Builder event(String action, String subject, AuditOutcome outcome) {
    return new Builder(action, subject, outcome);
  }

  public Future<RecordMetadata> publish(AuditEvent event) {
    return producer.send(record(event));
  }

  /**
   * The audit record of an event, encoded and keyed but not sent: for callers that produce it
   * themselves (inside a Kafka Streams transaction, for one). Logged here, as {@link #publish} logs.
   */
  public ProducerRecord<byte[], byte[]> record(AuditEvent event) {
    String key = event.getHeader().getCorrelationId() != null
        ? event.getHeader().getCorrelationId()
        : event.getHeader().getEventId();
    log.info("audit {} {} {}{}", event.getAction(), event.getSubject(), event.getOutcome(),
        event.getReason() == null ? "" : ": " + event.getReason());
    byte[] value = serializer.serialize(Topics.AUDIT, event);
    return new ProducerRecord<>(Topics.AUDIT, key.getBytes(StandardCharsets.UTF_8), value);
  }

  public EventFactory events() {
    return events;
  }

  /** Fluent construction of one audit event; {@link #publish()} sends it. */
  public final class Builder {
    private final AuditEvent.Builder event = AuditEvent.newBuilder();
    private final Map<String, String> details = new LinkedHashMap<>();
    private String correlationId;

    private Builder(String action, String subject, AuditOutcome outcome) {
      event.setAction(action).setSubject(subject).setOutcome(outcome).setActor(events.source());
    }

    public Builder actor(String actor) {
      event.setActor(actor);
      return this;
    }

    public Builder reason(String reason) {
      event.setReason(reason);
      return this;
    }

    public Builder correlationId(String id) {
      this.correlationId = id;
      return this;
    }

    public Builder progress(long done, Long total, String unit) {
      event.setProgress(Progress.newBuilder().setDone(done).setTotal(total).setUnit(unit).build());
      return this;
    }

    public Builder detail(String key, Object value) {
      details.put(key, String.valueOf(value));
      return this;
    }

    public AuditEvent build() {
      return event.setHeader(events.header(correlationId)).setDetails(details).build();
    }

    public Future<RecordMetadata> publish() {
      return AuditPublisher.this.publish(build());
    }
  }
}
