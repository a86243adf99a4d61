package dev.lifeboat.runtime;

import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.schemas.audit.AuditActions;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dead-letter reporter of one worker: the one way something Lifeboat cannot process becomes a
 * dead letter, for the worker runtime, the Kafka Streams error handlers and the watcher alike. Each
 * dead letter is two records: the record for {@code lifeboat.dlq} ({@link DeadLetterPublisher}'s
 * format: the original key, value and headers, plus topic, partition, offset, error class, error and
 * worker) and its {@value AuditActions#RECORD_DEAD_LETTERED} audit event (subject: the record's
 * position, or the key of what never reached its topic; reason: why, then the error; details {@code
 * worker}, {@code errorClass} and the caller's own; correlation id {@code worker:<worker>}). Each is
 * counted in {@code lifeboat_dead_letters_total{worker}} and logged once.
 *
 * <p>{@link #send} sends both through a producer of the caller's (the shared one, or a transactional
 * worker's own, inside its transaction); {@link #records} hands them over unsent, to a producer that
 * is not the caller's (Kafka Streams sends them in its task's transaction; the watcher's sink).
 */
public final class DeadLetters {
  private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);

  /**
   * What could not be processed, and the error.
   *
   * @param partition -1 (with offset -1) for something that never reached {@code topic}
   * @param errorText the error as the dead letter and its audit event tell it
   * @param subject the audit event's subject: {@code topic-partition@offset}, or the key of what never
   *     reached its topic
   * @param details more details for the audit event
   */
  public record Letter(String topic, int partition, long offset, byte[] key, byte[] value, Headers headers,
      Throwable error, String errorText, String subject, Map<String, String> details) {
    public Letter {
      details = Map.copyOf(details);
    }

    /** A consumed record. */
    public static Letter of(ConsumerRecord<byte[], byte[]> record, Throwable error) {
      return of(record.topic(), record.partition(), record.offset(), record.key(), record.value(), record.headers(), error);
    }

    /** A consumed record, told by its parts (a Kafka Streams error handler's context). */
    public static Letter of(String topic, int partition, long offset, byte[] key, byte[] value, Headers headers,
        Throwable error) {
      return new Letter(topic, partition, offset, key, value, headers, error, ErrorClassifier.describe(error),
          topic + "-" + partition + "@" + offset, Map.of());
    }

    /**
     * Something that never reached {@code topic} (an object the watcher cannot encode), named by its
     * key alone: its value is not kept.
     */
    public static Letter unsent(String topic, String key, Throwable error) {
      return new Letter(topic, -1, -1, key == null ? null : key.getBytes(StandardCharsets.UTF_8), null, null, error,
          ErrorClassifier.describe(error), key == null ? "?" : key, Map.of());
    }

    /** The same letter with its error told as {@code text}: when the error's own message could quote content. */
    public Letter describedAs(String text) {
      return new Letter(topic, partition, offset, key, value, headers, error, text, subject, details);
    }

    /** The same letter with one more detail for its audit event. */
    public Letter detail(String name, Object detail) {
      Map<String, String> more = new LinkedHashMap<>(details);
      more.put(name, String.valueOf(detail));
      return new Letter(topic, partition, offset, key, value, headers, error, errorText, subject, more);
    }
  }

  private final String worker;
  private final AuditPublisher audit;
  private final Clock clock;
  private final Counter count;

  /**
   * @param worker names the worker in the dead letter's header and its audit event
   * @param audit makes the audit event; null (unit tests) makes the dead letter alone
   */
  public DeadLetters(String worker, AuditPublisher audit, Clock clock, MeterRegistry meters) {
    this.worker = worker;
    this.audit = audit;
    this.clock = clock;
    this.count = Counter.builder("lifeboat.dead.letters").tag("worker", worker)
        .description("Records sent to lifeboat.dlq, each with a record.dead-lettered audit event").register(meters);
  }

  public String worker() {
    return worker;
  }

  /**
   * The dead letter and its audit event, unsent, counted and logged.
   *
   * @param why what made it a dead letter ("permanent failure", "retries exhausted after 7 attempts")
   */
  public List<ProducerRecord<byte[], byte[]>> records(Letter letter, String why) {
    log.warn("{} sent to the dead-letter topic ({}): {}", letter.subject(), why, letter.errorText());
    count.increment();
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(2);
    records.add(DeadLetterPublisher.deadLetter(letter.topic(), letter.partition(), letter.offset(), letter.key(),
        letter.value(), letter.headers(), worker, letter.error(), letter.errorText(), clock.instant()));
    if (audit != null) {
      AuditPublisher.Builder event = audit.event(AuditActions.RECORD_DEAD_LETTERED, letter.subject(), AuditOutcome.FAILED)
          .correlationId("worker:" + worker)
          .reason(why + ": " + letter.errorText())
          .detail("worker", worker)
          .detail("errorClass", letter.error().getClass().getName());
      letter.details().forEach(event::detail);
      records.add(audit.record(event.build()));
    }
    return records;
  }

  /** Sends the dead letter and its audit event through {@code producer}; the futures of both sends. */
  public List<Future<RecordMetadata>> send(Producer<byte[], byte[]> producer, Letter letter, String why) {
    List<Future<RecordMetadata>> sends = new ArrayList<>(2);
    for (ProducerRecord<byte[], byte[]> record : records(letter, why)) {
      sends.add(producer.send(record));
    }
    return sends;
  }
}
