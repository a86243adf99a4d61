package dev.lifeboat.runtime;

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
import org.apache.kafka.clients.producer.RecordMetadata;
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

  public Worker(WorkerDefinition<V> definition, WorkerContext context) {
    this.definition = definition;
    this.context = context;
    this.component = "worker:" + definition.name();
    this.consumer = context.kafka().consumer(context.groupPrefix() + definition.name());
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
        done.add(new Done(partition, record.offset(), result.sends));
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
      List<Future<RecordMetadata>> sends = outputs.sendAll(context.producer());
      retries.remove(new TopicPartition(record.topic(), record.partition()));
      processed.increment();
      return Result.done(sends);
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
    String position = record.topic() + "-" + record.partition() + "@" + record.offset();
    if (!ErrorClassifier.isRetriable(error)) {
      return deadLetter(record, error, "permanent failure");
    }
    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
    Instant now = context.clock().instant();
    RetryState state = retries.get(partition);
    if (state == null || state.offset != record.offset()) {
      state = new RetryState(record.offset(), now);
      retries.put(partition, state);
    }
    state.attempts++;
    boolean pastDeadline = now.isAfter(state.firstFailure.plus(definition.retryPolicy().deadline()));
    if (pastDeadline && definition.onRetriesExhausted() == Exhausted.DEAD_LETTER) {
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
    List<Future<RecordMetadata>> sends = new ArrayList<>();
    sends.add(context.deadLetters().publish(record, definition.name(), error));
    sends.add(context.audit().event("record.dead-lettered", position, AuditOutcome.FAILED)
        .correlationId(component)
        .reason(why + ": " + ErrorClassifier.describe(error))
        .detail("worker", definition.name())
        .detail("errorClass", error.getClass().getName())
        .publish());
    return Result.done(sends);
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

  private record Result(List<Future<RecordMetadata>> sends, Instant retryAt) {
    static Result done(List<Future<RecordMetadata>> sends) {
      return new Result(sends, null);
    }

    static Result retry(Instant at) {
      return new Result(List.of(), at);
    }
  }
}
