package dev.lifeboat.runtime;

import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.observe.Health;
import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.runtime.WorkerDefinition.Exhausted;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The skeleton every Lifeboat worker runs: consume, decode, hand each record to the handler, send
 * its outputs, wait for the broker to acknowledge them, commit. Bad input goes to the dead-letter
 * topic with an audit event and the worker carries on; a retriable failure pauses that partition
 * (the record stays on Kafka) and retries it with backoff while the other partitions go on.
 *
 * <p>A {@linkplain WorkerDefinition#inTransactions() transactional} worker has a producer of its own
 * and commits each record's outputs (or its dead letter) together with its offset in one Kafka
 * transaction.
 */
public final class Worker<V> implements Runnable, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Worker.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final long SEND_TIMEOUT_SECONDS = 120;

  private final WorkerDefinition<V> definition;
  private final WorkerContext context;
  private final String component;
  private final Consumer<byte[], byte[]> consumer;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Map<TopicPartition, RetryState> retries = new HashMap<>();
  private final Counter processed;
  private final Counter deadLettered;
  private final Counter retried;
  private final Timer handleTime;
  private final KafkaClientMetrics consumerMetrics;
  /** Null unless the worker is transactional. */
  private final Transactions transactions;

  public Worker(WorkerDefinition<V> definition, WorkerContext context) {
    this.definition = definition;
    this.context = context;
    this.component = "worker:" + definition.name();
    this.consumer = context.kafka().consumer(context.groupPrefix() + definition.name(), definition.consumerProperties());
    this.transactions = definition.transactional()
        ? new Transactions(context, definition.name(), context.groupPrefix() + definition.name() + "-" + KafkaClients.instanceId(),
            definition.retryPolicy(), running::get)
        : null;
    var meters = context.meters();
    this.processed = meters.counter("lifeboat.worker.records", "worker", definition.name(), "outcome", "processed");
    this.deadLettered = meters.counter("lifeboat.worker.records", "worker", definition.name(), "outcome", "dead_lettered");
    this.retried = meters.counter("lifeboat.worker.records", "worker", definition.name(), "outcome", "retried");
    this.handleTime = Timer.builder("lifeboat.worker.handle").tag("worker", definition.name())
        .publishPercentiles(0.5, 0.99).register(meters);
    meters.gauge("lifeboat.worker.paused.partitions", List.of(io.micrometer.core.instrument.Tag.of("worker", definition.name())),
        retries, Map::size);
    this.consumerMetrics = new KafkaClientMetrics(consumer);
    consumerMetrics.bindTo(meters);
  }

  public String name() {
    return definition.name();
  }

  @Override
  public void run() {
    MDC.put("worker", definition.name());
    context.health().set(component, Health.State.UP, "reading " + definition.inputTopics());
    context.audit().component("start", component, AuditOutcome.INFO)
        .detail("topics", definition.inputTopics()).publish();
    try {
      if (transactions != null) {
        transactions.open();
      }
      consumer.subscribe(definition.inputTopics(), new ForgetRevoked());
      while (running.get()) {
        resumeDuePartitions();
        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
        if (!records.isEmpty()) {
          processBatch(records);
        }
      }
    } catch (WakeupException e) {
      if (running.get()) {
        throw e;
      }
    } catch (RuntimeException e) {
      log.error("Worker {} stopped on an unexpected error: {}", definition.name(), ErrorClassifier.describe(e), e);
      context.health().set(component, Health.State.DOWN, ErrorClassifier.describe(e));
      context.audit().component("crash", component, AuditOutcome.FAILED).reason(ErrorClassifier.describe(e)).publish();
      throw e;
    } finally {
      consumerMetrics.close();
      consumer.close(Duration.ofSeconds(10));
      if (transactions != null) {
        transactions.close();
      }
      if (context.health().components().get(component).state() != Health.State.DOWN) {
        context.health().set(component, Health.State.DOWN, "stopped");
      }
      context.audit().component("stop", component, AuditOutcome.INFO).publish();
      MDC.remove("worker");
    }
  }

  /** Asks the loop to finish the batch in hand, commit and stop. Safe from any thread. */
  public void stop() {
    running.set(false);
    consumer.wakeup();
  }

  @Override
  public void close() {
    stop();
  }

  private void processBatch(ConsumerRecords<byte[], byte[]> records) {
    List<Done> done = new ArrayList<>();
    for (TopicPartition partition : records.partitions()) {
      for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
        if (!running.get()) {
          consumer.seek(partition, record.offset()); // the rest is read again after restart
          break;
        }
        Result result = process(record);
        if (result.retryAt != null) {
          consumer.seek(partition, record.offset());
          consumer.pause(List.of(partition));
          break;
        }
        if (transactions != null) {
          if (!commitInTransaction(record, result)) {
            consumer.seek(partition, record.offset());
            consumer.pause(List.of(partition));
            break;
          }
        } else {
          done.add(new Done(partition, record.offset(),
              emit(record, result, context.producer(), context.deadLetters(), context.audit())));
        }
      }
    }
    commit(done);
  }

  private Result process(ConsumerRecord<byte[], byte[]> record) {
    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    MDC.put("record", record.topic() + "-" + record.partition() + "@" + record.offset());
    try {
      V value = decode(record);
      BufferedOutputs outputs = new BufferedOutputs(context.serializer());
      long start = System.nanoTime();
      try {
        definition.handler().handle(new InboundRecord<>(record.topic(), record.partition(), record.offset(), key,
            value, record.headers(), Instant.ofEpochMilli(record.timestamp())), outputs);
      } finally {
        handleTime.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      }
      retries.remove(new TopicPartition(record.topic(), record.partition()));
      processed.increment();
      return Result.done(outputs);
    } catch (Exception e) {
      return failure(record, e);
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

  private Result failure(ConsumerRecord<byte[], byte[]> record, Exception error) {
    if (!ErrorClassifier.isRetriable(error)) {
      return deadLetter(record, error, "permanent failure");
    }
    return retryLater(record, error, definition.onRetriesExhausted());
  }

  /** Schedules the record to be tried again after a backoff (the caller seeks back and pauses its partition). */
  private Result retryLater(ConsumerRecord<byte[], byte[]> record, Exception error, Exhausted whenExhausted) {
    String position = record.topic() + "-" + record.partition() + "@" + record.offset();
    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
    Instant now = context.clock().instant();
    RetryState state = retries.get(partition);
    if (state == null || state.offset != record.offset()) {
      state = new RetryState(record.offset(), now);
      retries.put(partition, state);
    }
    state.attempts++;
    boolean pastDeadline = now.isAfter(state.firstFailure.plus(definition.retryPolicy().deadline()));
    if (pastDeadline && whenExhausted == Exhausted.DEAD_LETTER) {
      retries.remove(partition);
      return deadLetter(record, error, "retries exhausted after " + state.attempts + " attempts");
    }
    if (pastDeadline && !state.deadlineReported) {
      state.deadlineReported = true;
      context.health().set(component, Health.State.DEGRADED,
          position + " still failing after " + state.attempts + " attempts: " + ErrorClassifier.describe(error));
      context.audit().event("record.retrying", position, AuditOutcome.FAILED)
          .correlationId(component)
          .reason("still failing after " + state.attempts + " attempts, the record stays on Kafka and is retried: "
              + ErrorClassifier.describe(error))
          .detail("worker", definition.name()).publish();
    }
    Duration wait = definition.retryPolicy().backoff(state.attempts, () -> ThreadLocalRandom.current().nextDouble());
    state.resumeAt = now.plus(wait);
    retried.increment();
    log.warn("{} failed (attempt {}), retrying in {} ms: {}", position, state.attempts, wait.toMillis(),
        ErrorClassifier.describe(error));
    return Result.retry(state.resumeAt);
  }

  private Result deadLetter(ConsumerRecord<byte[], byte[]> record, Exception error, String why) {
    String position = record.topic() + "-" + record.partition() + "@" + record.offset();
    log.warn("{} sent to the dead-letter topic ({}): {}", position, why, ErrorClassifier.describe(error));
    deadLettered.increment();
    return Result.deadLetter(error, why);
  }

  /** Sends what processing a record produced: the handler's outputs, or the record's dead letter and its audit event. */
  private List<Future<RecordMetadata>> emit(ConsumerRecord<byte[], byte[]> record, Result result,
      Producer<byte[], byte[]> producer, DeadLetterPublisher deadLetters, AuditPublisher audit) {
    if (result.outputs != null) {
      return result.outputs.sendAll(producer);
    }
    String position = record.topic() + "-" + record.partition() + "@" + record.offset();
    List<Future<RecordMetadata>> sends = new ArrayList<>();
    sends.add(deadLetters.publish(record, definition.name(), result.error));
    sends.add(audit.event("record.dead-lettered", position, AuditOutcome.FAILED)
        .correlationId(component)
        .reason(result.why + ": " + ErrorClassifier.describe(result.error))
        .detail("worker", definition.name())
        .detail("errorClass", result.error.getClass().getName())
        .publish());
    return sends;
  }

  /**
   * Sends a record's outputs and commits its offset in one transaction. False if the transaction
   * failed: it was aborted (nothing of it is visible to readers of committed data) and the record is
   * scheduled to be processed again.
   */
  private boolean commitInTransaction(ConsumerRecord<byte[], byte[]> record, Result result) {
    try {
      transactions.commit(record, consumer.groupMetadata(),
          (producer, deadLetters, audit) -> emit(record, result, producer, deadLetters, audit));
      return true;
    } catch (KafkaException e) {
      log.warn("The transaction of {}-{}@{} failed, it will be processed again: {}", record.topic(), record.partition(),
          record.offset(), ErrorClassifier.describe(e));
      retryLater(record, e, Exhausted.KEEP_RETRYING);
      return false;
    }
  }

  /** Waits for every output of the processed records, then commits, per partition, up to the first failure. */
  private void commit(List<Done> done) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    Map<TopicPartition, Boolean> blocked = new HashMap<>();
    for (Done d : done) {
      if (blocked.containsKey(d.partition)) {
        continue;
      }
      try {
        for (Future<RecordMetadata> send : d.sends) {
          send.get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        offsets.put(d.partition, new OffsetAndMetadata(d.offset + 1));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        blocked.put(d.partition, true);
        consumer.seek(d.partition, d.offset);
      } catch (ExecutionException | TimeoutException e) {
        log.warn("Outputs of {}-{}@{} were not acknowledged, it will be processed again: {}",
            d.partition.topic(), d.partition.partition(), d.offset, ErrorClassifier.describe(e));
        blocked.put(d.partition, true);
        consumer.seek(d.partition, d.offset);
      }
    }
    if (!offsets.isEmpty()) {
      consumer.commitSync(offsets);
    }
  }

  private void resumeDuePartitions() {
    if (retries.isEmpty()) {
      return;
    }
    Instant now = context.clock().instant();
    List<TopicPartition> due = new ArrayList<>();
    for (var entry : retries.entrySet()) {
      if (entry.getValue().resumeAt != null && !now.isBefore(entry.getValue().resumeAt)) {
        entry.getValue().resumeAt = null;
        due.add(entry.getKey());
      }
    }
    due.retainAll(consumer.paused());
    if (!due.isEmpty()) {
      consumer.resume(due);
    }
  }

  private final class ForgetRevoked implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      partitions.forEach(retries::remove);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      // offsets are committed after every batch; nothing to restore
    }
  }

  private static final class RetryState {
    final long offset;
    final Instant firstFailure;
    int attempts;
    Instant resumeAt;
    boolean deadlineReported;

    RetryState(long offset, Instant firstFailure) {
      this.offset = offset;
      this.firstFailure = firstFailure;
    }
  }

  private record Done(TopicPartition partition, long offset, List<Future<RecordMetadata>> sends) {}

  /** What processing one record came to: outputs to send, a dead letter to send, or a retry later. */
  private record Result(BufferedOutputs outputs, Exception error, String why, Instant retryAt) {
    static Result done(BufferedOutputs outputs) {
      return new Result(outputs, null, null, null);
    }

    static Result deadLetter(Exception error, String why) {
      return new Result(null, error, why, null);
    }

    static Result retry(Instant at) {
      return new Result(null, null, null, at);
    }
  }
}
