package dev.lifeboat.runtime;

import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.observe.Health;
import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.runtime.WorkerDefinition.Exhausted;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * What happens to one record on a worker's handler thread: decode it, hand it to the handler,
 * classify a failure (retry later, or dead letter), and send what processing it came to. Never
 * touches the consumer; the poll thread applies what a batch of records came to.
 */
final class RecordProcessor<V> {
  private static final Logger log = LoggerFactory.getLogger(RecordProcessor.class);

  /** A record that ended the worker {@code crashes} times in a row: the next time it is read it is dead-lettered. */
  record Poison(TopicPartition partition, long offset, Throwable error, int crashes) {}

  /** What processing one record came to: outputs to send, a dead letter to send, or the record to be read again (a retry, a stop). */
  record Result(BufferedOutputs outputs, Throwable error, String why, boolean readAgain) {
    static Result done(BufferedOutputs outputs) {
      return new Result(outputs, null, null, false);
    }

    static Result deadLetter(Throwable error, String why) {
      return new Result(null, error, why, false);
    }

    static Result again() {
      return new Result(null, null, null, true);
    }
  }

  private final WorkerDefinition<V> definition;
  private final WorkerContext context;
  private final String component;
  private final Retries retries;
  private final DeadLetters deadLetters;
  private final Counter processed;
  private final Counter deadLettered;
  private final Counter retried;
  private final Timer handleTime;
  private volatile Poison poison;

  RecordProcessor(WorkerDefinition<V> definition, WorkerContext context, String component, Retries retries) {
    this.definition = definition;
    this.context = context;
    this.component = component;
    this.retries = retries;
    this.deadLetters = context.deadLetters(definition.name());
    MeterRegistry meters = context.meters();
    this.processed = meters.counter("lifeboat.worker.records", "worker", definition.name(), "outcome", "processed");
    this.deadLettered = meters.counter("lifeboat.worker.records", "worker", definition.name(), "outcome", "dead_lettered");
    this.retried = meters.counter("lifeboat.worker.records", "worker", definition.name(), "outcome", "retried");
    this.handleTime = Timer.builder("lifeboat.worker.handle").tag("worker", definition.name())
        .publishPercentiles(0.5, 0.99).register(meters);
    meters.gauge("lifeboat.worker.paused.partitions", List.of(Tag.of("worker", definition.name())), retries, Retries::size);
  }

  /** The next time the worker reads {@code poison}'s record, it dead-letters it instead of handing it to the handler. */
  void deadLetterOnSight(Poison poison) {
    this.poison = poison;
  }

  /**
   * Decodes the record and hands it to the handler. Every {@link Exception} is turned into a result
   * (dead letter or retry); an {@link Error} the handler throws is not caught, it ends the worker.
   */
  Result process(ConsumerRecord<byte[], byte[]> record) {
    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
    MDC.put("record", position(record));
    try {
      Poison known = poison;
      if (known != null && known.partition().equals(partition) && known.offset() == record.offset()) {
        poison = null;
        retries.succeeded(partition);
        return deadLetter(known.error(), "it ended the worker " + known.crashes() + " times in a row");
      }
      String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
      if (definition.keys() != null && !definition.keys().test(key)) {
        retries.succeeded(partition);
        return Result.done(new BufferedOutputs(context.serializer())); // not this worker's: passed over, committed
      }
      V value = decode(record);
      BufferedOutputs outputs = new BufferedOutputs(context.serializer());
      long start = System.nanoTime();
      try {
        definition.handler().handle(new InboundRecord<>(record.topic(), record.partition(), record.offset(), key,
            value, record.headers(), Instant.ofEpochMilli(record.timestamp())), outputs);
      } finally {
        handleTime.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      }
      retries.succeeded(partition);
      processed.increment();
      return Result.done(outputs);
    } catch (Exception e) {
      if (e instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
        // only the worker interrupts its handler thread, when it stops without waiting longer
        log.info("{} was interrupted by the worker's stop, it is read again at the next start", position(record));
        return Result.again();
      }
      if (!ErrorClassifier.isRetriable(e)) {
        retries.succeeded(partition);
        return deadLetter(e, "permanent failure");
      }
      return retryLater(record, e, definition.onRetriesExhausted());
    } finally {
      MDC.remove("record");
    }
  }

  @SuppressWarnings("unchecked")
  private V decode(ConsumerRecord<byte[], byte[]> record) {
    if (!definition.decodeValues()) {
      return (V) record.value();
    }
    return (V) context.deserializer().decode(record.topic(), record.partition(), record.offset(), record.value());
  }

  /** Schedules the record to be read again after a backoff (the poll thread seeks back and keeps its partition paused). */
  private Result retryLater(ConsumerRecord<byte[], byte[]> record, Exception error, Exhausted whenExhausted) {
    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
    Retries.Attempt attempt = retries.failed(partition, record.offset(), context.clock().instant());
    if (attempt.pastDeadline() && whenExhausted == Exhausted.DEAD_LETTER) {
      retries.succeeded(partition);
      return deadLetter(error, "retries exhausted after " + attempt.number() + " attempts");
    }
    if (attempt.firstPastDeadline()) {
      String position = position(record);
      context.health().set(component, Health.State.DEGRADED,
          position + " still failing after " + attempt.number() + " attempts: " + ErrorClassifier.describe(error));
      context.audit().event(AuditActions.RECORD_RETRYING, position, AuditOutcome.FAILED)
          .correlationId(component)
          .reason("still failing after " + attempt.number() + " attempts, the record stays on Kafka and is retried: "
              + ErrorClassifier.describe(error))
          .detail("worker", definition.name()).publish();
    }
    retried.increment();
    log.warn("{} failed (attempt {}), retrying in {} ms: {}", position(record), attempt.number(), attempt.backoff().toMillis(),
        ErrorClassifier.describe(error));
    return Result.again();
  }

  /** Decides on a dead letter; it is made, logged and counted by the worker's {@link DeadLetters} when sent. */
  private Result deadLetter(Throwable error, String why) {
    deadLettered.increment();
    return Result.deadLetter(error, why);
  }

  /** Sends what processing a record came to through the process's shared producer. */
  List<Future<RecordMetadata>> emit(ConsumerRecord<byte[], byte[]> record, Result result) {
    return emit(record, result, context.producer());
  }

  /** Sends what processing a record came to: the handler's outputs, or the record's dead letter and its audit event. */
  private List<Future<RecordMetadata>> emit(ConsumerRecord<byte[], byte[]> record, Result result,
      Producer<byte[], byte[]> producer) {
    if (result.outputs() != null) {
      return result.outputs().sendAll(producer);
    }
    return deadLetters.send(producer, DeadLetters.Letter.of(record, result.error()), result.why());
  }

  /**
   * Sends a record's outputs and commits its offset in one transaction. False if the transaction
   * failed: it was aborted (nothing of it is visible to readers of committed data) and the record is
   * scheduled to be read again.
   *
   * @param group the consumer's group metadata, taken on the poll thread: a commit under a generation
   *     the group has left behind is refused by the broker
   */
  boolean commitInTransaction(Transactions transactions, ConsumerRecord<byte[], byte[]> record, Result result,
      ConsumerGroupMetadata group) {
    try {
      transactions.commit(record, group, producer -> emit(record, result, producer));
      return true;
    } catch (KafkaException e) {
      log.warn("The transaction of {} failed, it will be processed again: {}", position(record), ErrorClassifier.describe(e));
      retryLater(record, e, Exhausted.KEEP_RETRYING);
      return false;
    }
  }

  static String position(ConsumerRecord<?, ?> record) {
    return record.topic() + "-" + record.partition() + "@" + record.offset();
  }
}
