package dev.lifeboat.runtime;

import dev.lifeboat.retry.ErrorClassifier;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a worker: its consumer, which only this (the poll) thread touches, and a handler thread
 * that processes one {@link Batch} at a time. While a batch runs, every assigned partition is paused
 * and the consumer keeps being polled, so the group never expels the worker however long a handler
 * takes; when the batch finishes its outcome is applied here (seek back, commit). A new run, with a
 * new consumer, follows a crash.
 *
 * <p>Why this class is longer than most: a {@code KafkaConsumer} is not thread-safe, so every call
 * on it (poll, pause, resume, seek, commit, the rebalance callbacks) lives here, on the poll thread;
 * what can live elsewhere does ({@link Batch}, {@code RecordProcessor}, {@code Transactions}).
 */
final class PollLoop implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PollLoop.class);
  private static final Duration POLL = Duration.ofMillis(200);
  /** How long a stop waits for the record in hand before giving it up (it is read again at the next start). */
  static final Duration STOP_GRACE = Duration.ofSeconds(15);
  /** How long giving a batch up waits for a record's results being sent at that moment. */
  private static final Duration GATE_WAIT = Duration.ofSeconds(10);
  /** How long a newly assigned partition's position (its last commit) may take to read. */
  private static final Duration POSITION_TIMEOUT = Duration.ofSeconds(30);

  private final String name;
  private final List<String> topics;
  private final Consumer<byte[], byte[]> consumer;
  private final KafkaClientMetrics consumerMetrics;
  /** Null unless the worker is transactional. */
  private final Transactions transactions;
  private final ExecutorService handlerThread;
  private final RecordProcessor<?> processor;
  private final Retries retries;
  private final Clock clock;
  private final BooleanSupplier running;
  /** Null unless the worker has a batch handler. */
  private final BatchFlusher<?> flusher;
  /** Offsets of acknowledged records not committed yet (a commit failed during a rebalance, say). */
  private final Map<TopicPartition, OffsetAndMetadata> uncommitted = new HashMap<>();
  private Batch batch;
  private int completed;
  /** How long a poll waits for records between batches: at most a flush period, so a flush is not late by more than one. */
  private final Duration idlePoll;

  PollLoop(WorkerDefinition<?> definition, WorkerContext context, RecordProcessor<?> processor, Retries retries,
      BooleanSupplier running) {
    this.name = definition.name();
    this.topics = definition.inputTopics();
    this.processor = processor;
    this.retries = retries;
    this.clock = context.clock();
    this.running = running;
    Map<String, Object> settings = new HashMap<>(definition.consumerProperties());
    if (!context.kafka().common().containsKey(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG)) {
      // a rebalance then takes away only the partitions that move: a long record in hand usually stays
      settings.putIfAbsent(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
    }
    this.consumer = context.kafka().consumer(
        definition.groupId() != null ? definition.groupId() : context.groupPrefix() + name, settings);
    this.consumerMetrics = new KafkaClientMetrics(consumer);
    consumerMetrics.bindTo(context.meters());
    this.transactions = definition.transactional()
        ? new Transactions(context, name, context.groupPrefix() + name + "-" + KafkaClients.instanceId(),
            definition.retryPolicy(), running)
        : null;
    this.flusher = definition.batching() == null ? null
        : new BatchFlusher<>(definition.batching(), name, "worker:" + name, context);
    this.idlePoll = definition.batching() != null && definition.batching().flushEvery().compareTo(POLL) < 0
        ? definition.batching().flushEvery() : POLL;
    this.handlerThread = Executors.newSingleThreadExecutor(r -> {
      Thread thread = new Thread(r, "lifeboat-handler-" + name);
      thread.setDaemon(true); // a handler that ignores interrupts must not keep the process alive
      return thread;
    });
  }

  /** Records completed (acknowledged or committed in a transaction) in this run. */
  int completed() {
    return completed;
  }

  /**
   * Polls until the worker is asked to stop, then finishes the batch in hand (giving it up after
   * {@link #STOP_GRACE}) and commits.
   *
   * @throws WorkerCrash a batch ended on an unexpected Throwable (what it completed before is committed)
   */
  void run() {
    if (transactions != null) {
      transactions.open();
    }
    consumer.subscribe(topics, new Rebalances());
    if (flusher != null) {
      flusher.started(clock.instant());
    }
    long stopBy = 0;
    boolean stopping = false;
    while (true) {
      if (batch != null && batch.await(POLL)) {
        finish();
      }
      if (!running.getAsBoolean()) {
        if (batch == null) {
          break;
        }
        if (!stopping) {
          stopping = true;
          stopBy = System.nanoTime() + STOP_GRACE.toNanos();
          log.info("Worker {} stopping: waiting up to {} s for {} to finish", name, STOP_GRACE.toSeconds(), batch.inHand());
        } else if (System.nanoTime() - stopBy > 0) {
          abandon();
          break;
        }
      }
      updatePauses();
      ConsumerRecords<byte[], byte[]> records = consumer.poll(batch == null ? idlePoll : Duration.ZERO);
      if (batch == null) {
        commitUncommitted();
      } else if (transactions != null) {
        batch.groupMetadata(consumer.groupMetadata());
      }
      if (batch != null || !running.getAsBoolean()) {
        if (!records.isEmpty()) {
          readAgainLater(records);
        }
      } else if (flusher != null) {
        boolean flush = flusher.due(clock.instant());
        if (!records.isEmpty() || flush) { // a flush is due even when nothing new came
          batch = new Batch(records, processor, null, null, running, name, flusher, flush);
          handlerThread.execute(batch);
        }
      } else if (!records.isEmpty()) {
        batch = new Batch(records, processor, transactions, transactions == null ? null : consumer.groupMetadata(),
            running, name);
        handlerThread.execute(batch);
      }
    }
    commitUncommitted();
  }

  /** Applies what the finished batch came to: read again what must be, commit what was acknowledged. */
  private void finish() {
    Batch finished = batch;
    batch = null;
    Batch.Outcome outcome = finished.outcome();
    Set<TopicPartition> owned = new HashSet<>(consumer.assignment());
    Set<TopicPartition> revoked = finished.revoked();
    owned.removeAll(revoked);
    retries.forget(revoked);
    outcome.readAgain().forEach((partition, offset) -> {
      if (owned.contains(partition)) {
        consumer.seek(partition, offset);
      }
    });
    outcome.commit().forEach((partition, offset) -> {
      if (owned.contains(partition)) {
        uncommitted.merge(partition, offset, PollLoop::later);
      }
    });
    completed += outcome.completed();
    commitUncommitted();
    if (outcome.crash() != null) {
      throw new WorkerCrash(name, outcome.crash());
    }
  }

  /** The worker is stopping and the handler did not finish in time: its record is read again at the next start. */
  private void abandon() {
    log.warn("Worker {} stops without waiting longer for {}: it is read again at the next start", name, batch.inHand());
    Set<TopicPartition> revoked = batch.revoked();
    batch.abandon(GATE_WAIT).forEach((partition, offset) -> {
      if (!revoked.contains(partition)) {
        uncommitted.merge(partition, offset, PollLoop::later);
      }
    });
    batch = null;
    handlerThread.shutdownNow();
  }

  /** Every assigned partition is paused while a batch runs; between batches, those whose retry backoff runs. */
  private void updatePauses() {
    Set<TopicPartition> assigned = consumer.assignment();
    Set<TopicPartition> wanted = new HashSet<>(batch != null ? assigned : retries.waiting(clock.instant()));
    wanted.retainAll(assigned);
    Set<TopicPartition> paused = consumer.paused();
    Set<TopicPartition> pause = new HashSet<>(wanted);
    pause.removeAll(paused);
    Set<TopicPartition> resume = new HashSet<>(paused);
    resume.removeAll(wanted);
    if (!pause.isEmpty()) {
      consumer.pause(pause);
    }
    if (!resume.isEmpty()) {
      consumer.resume(resume);
    }
  }

  /** Records polled while the handler is busy: their partitions are read again from them. */
  private void readAgainLater(ConsumerRecords<byte[], byte[]> records) {
    for (TopicPartition partition : records.partitions()) {
      consumer.seek(partition, records.records(partition).get(0).offset());
    }
  }

  private void commitUncommitted() {
    uncommitted.keySet().retainAll(consumer.assignment());
    if (uncommitted.isEmpty()) {
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(uncommitted);
    try {
      consumer.commitSync(offsets);
      offsets.forEach(uncommitted::remove);
    } catch (RebalanceInProgressException | CommitFailedException | RetriableException e) {
      log.warn("Worker {} could not commit {} yet, trying again after the next poll: {}", name, offsets,
          ErrorClassifier.describe(e));
    }
  }

  private static OffsetAndMetadata later(OffsetAndMetadata a, OffsetAndMetadata b) {
    return a.offset() >= b.offset() ? a : b;
  }

  @Override
  public void close() {
    if (batch != null) { // a crash outside the batch: give it up, its records are read again at the next start
      batch.abandon(GATE_WAIT);
      batch = null;
    }
    handlerThread.shutdownNow();
    try {
      if (!handlerThread.awaitTermination(1, TimeUnit.SECONDS)) {
        log.warn("The handler of worker {} did not stop when interrupted; its results will not be sent", name);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (flusher != null) {
      flusher.closeAll(); // what it kept and did not flush is read again
    }
    try {
      consumer.close(Duration.ofSeconds(10));
    } catch (RuntimeException e) {
      log.warn("Closing the consumer of worker {} failed: {}", name, ErrorClassifier.describe(e));
    }
    if (transactions != null) {
      transactions.close();
    }
    consumerMetrics.close();
  }

  /** Keeps a rebalance away from what the batch in hand does to partitions this consumer no longer owns. */
  private final class Rebalances implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      log.info("Worker {} no longer reads {}{}", name, partitions, batch == null ? "" : " (the batch in hand leaves them)");
      if (batch != null) {
        batch.revoke(partitions).forEach((partition, offset) -> uncommitted.merge(partition, offset, PollLoop::later));
      }
      if (flusher != null) {
        flusher.revoked(partitions);
      }
      Map<TopicPartition, OffsetAndMetadata> last = new HashMap<>(uncommitted);
      last.keySet().retainAll(partitions);
      if (!last.isEmpty()) {
        try {
          consumer.commitSync(last); // still ours until this returns
        } catch (KafkaException e) {
          log.warn("Worker {} could not commit {} before giving the partitions up; their next owner reads them again: {}",
              name, last, ErrorClassifier.describe(e));
        }
      }
      forget(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      log.warn("Worker {} lost {} (no longer in the group); their next owner reads them from the last commit", name,
          partitions);
      if (batch != null) {
        batch.revoke(partitions);
      }
      if (flusher != null) {
        flusher.revoked(partitions);
      }
      forget(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      log.info("Worker {} now reads {}{}", name, partitions, batch == null ? "" : " (after the batch in hand)");
      if (batch != null) {
        consumer.pause(partitions); // read when the batch in hand is done
      }
      if (flusher != null) {
        Map<TopicPartition, Long> positions = new HashMap<>();
        partitions.forEach(p -> positions.put(p, consumer.position(p, POSITION_TIMEOUT)));
        flusher.assigned(positions); // the handler keeps records of each from its last commit
      }
    }

    private void forget(Collection<TopicPartition> partitions) {
      uncommitted.keySet().removeAll(partitions);
      retries.forget(partitions);
    }
  }
}
