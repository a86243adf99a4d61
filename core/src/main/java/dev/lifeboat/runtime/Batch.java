package dev.lifeboat.runtime;

import dev.lifeboat.retry.ErrorClassifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The records of one poll, processed on the worker's handler thread while the poll thread keeps
 * polling. The handler thread never touches the consumer: it hands back an {@link Outcome} (offsets
 * to commit, where to read again, a crash) that the poll thread applies. The poll thread may, in the
 * meantime, take partitions away ({@link #revoke}) or give the batch up ({@link #abandon}); a gate
 * held while a record's results are sent makes either happen between two records, never during one.
 *
 * <p>Why this class is longer than most: the gate, the revocations, the acknowledgements awaited and
 * the outcome are one piece of state shared by two threads under one lock; split over classes, the
 * rule "a revoke or an abandon happens between two records" would have to be kept by all of them.
 */
final class Batch implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Batch.class);
  private static final long SEND_TIMEOUT_SECONDS = 120;

  /** The record the handler was working on (or whose results were being sent) when an unexpected Throwable ended the batch. */
  record Crash(ConsumerRecord<byte[], byte[]> record, Throwable error, boolean inHandler) {}

  /**
   * What a batch came to.
   *
   * @param commit offsets to commit: per partition, after the last record whose outputs were acknowledged
   * @param readAgain per partition, the first record that must be read again (a retry, a failed send, a stop)
   * @param crash not null if an unexpected Throwable ended the batch: the worker must be restarted
   * @param completed records whose processing is finished and acknowledged (or committed in a transaction)
   */
  record Outcome(Map<TopicPartition, OffsetAndMetadata> commit, Map<TopicPartition, Long> readAgain, Crash crash,
      int completed) {}

  private record Done(TopicPartition partition, long offset, List<Future<RecordMetadata>> sends) {}

  private final ConsumerRecords<byte[], byte[]> records;
  private final RecordProcessor<?> processor;
  /** Null unless the worker is transactional. */
  private final Transactions transactions;
  private final BooleanSupplier running;
  private final String worker;
  /** Null unless the worker has a batch handler; then {@link #flush} says whether this batch ends with a flush. */
  private final BatchFlusher<?> flusher;
  private final boolean flush;
  private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
  private final ReentrantLock gate = new ReentrantLock();
  private final Set<TopicPartition> revoked = new HashSet<>(); // guarded by gate
  private final List<Done> done = new ArrayList<>(); // guarded by gate
  private volatile boolean abandoned;
  private int committedInTransactions; // handler thread only
  private int settled; // handler thread only: records a batch handler's worker went through
  private volatile ConsumerGroupMetadata group;
  private volatile ConsumerRecord<byte[], byte[]> inHand;

  Batch(ConsumerRecords<byte[], byte[]> records, RecordProcessor<?> processor, Transactions transactions,
      ConsumerGroupMetadata group, BooleanSupplier running, String worker) {
    this(records, processor, transactions, group, running, worker, null, false);
  }

  /** A batch of a batch handler's worker: its records are put, then the handler is flushed if {@code flush} or it is full. */
  Batch(ConsumerRecords<byte[], byte[]> records, RecordProcessor<?> processor, Transactions transactions,
      ConsumerGroupMetadata group, BooleanSupplier running, String worker, BatchFlusher<?> flusher, boolean flush) {
    this.records = records;
    this.processor = processor;
    this.transactions = transactions;
    this.group = group;
    this.running = running;
    this.worker = worker;
    this.flusher = flusher;
    this.flush = flush;
  }

  // ---- the handler thread ----

  @Override
  public void run() {
    MDC.put("worker", worker);
    try {
      outcome.complete(process());
    } catch (Throwable t) {
      outcome.complete(new Outcome(Map.of(), Map.of(), new Crash(inHand, t, false), 0));
    } finally {
      MDC.remove("worker");
    }
  }

  private Outcome process() {
    Map<TopicPartition, Long> readAgain = new HashMap<>();
    Crash crash = null;
    if (flusher != null) {
      flusher.applyEvents();
    }
    partitions:
    for (TopicPartition partition : records.partitions()) {
      for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
        if (crash != null || !running.getAsBoolean() || isRevoked(partition)) {
          readAgain.put(partition, record.offset()); // the rest of the partition is read again
          continue partitions;
        }
        inHand = record;
        RecordProcessor.Result result;
        try {
          result = processor.process(record);
        } catch (Throwable t) { // process() turns every Exception into a result: this is an Error
          crash = new Crash(record, t, true);
          readAgain.put(partition, record.offset());
          continue partitions;
        }
        boolean completed;
        try {
          completed = !result.readAgain() && complete(partition, record, result);
        } catch (Throwable t) {
          crash = new Crash(record, t, false);
          completed = false;
        }
        if (!completed) {
          readAgain.put(partition, record.offset());
          continue partitions;
        }
      }
    }
    inHand = null;
    if (flusher != null) { // what is committed is what the flush says, never what was merely put
      boolean flushes = crash == null && !abandoned && running.getAsBoolean();
      return new Outcome(flushes ? flusher.flushIfWanted(flush, revoked()) : Map.of(), readAgain, crash, settled);
    }
    return awaitAcknowledgements(readAgain, crash);
  }

  /** Sends a processed record's results (in its transaction, if the worker has them), unless its partition was taken away. */
  private boolean complete(TopicPartition partition, ConsumerRecord<byte[], byte[]> record, RecordProcessor.Result result) {
    List<Future<RecordMetadata>> sends;
    gate.lock();
    try {
      if (abandoned || revoked.contains(partition)) {
        return false;
      }
      if (transactions != null) {
        boolean committed = processor.commitInTransaction(transactions, record, result, group);
        committedInTransactions += committed ? 1 : 0;
        return committed;
      }
      sends = processor.emit(record, result);
      if (flusher == null) {
        done.add(new Done(partition, record.offset(), sends));
        return true;
      }
    } finally {
      gate.unlock();
    }
    // A batch handler's worker: the next record of the partition is put only once this one is settled,
    // so a dead letter that fails makes the records after it read again before they reach the handler.
    boolean went = flusher.settle(partition, record.offset(), sends, result.error() != null);
    settled += went ? 1 : 0;
    return went;
  }

  /** Waits for the outputs of every completed record; per partition, commits up to the first that was not acknowledged. */
  private Outcome awaitAcknowledgements(Map<TopicPartition, Long> readAgain, Crash crash) {
    Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
    Set<TopicPartition> failed = new HashSet<>();
    int acknowledged = 0;
    for (Done d : doneSoFar()) {
      if (failed.contains(d.partition)) {
        continue;
      }
      try {
        for (Future<RecordMetadata> send : d.sends) {
          send.get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        commit.put(d.partition, new OffsetAndMetadata(d.offset + 1));
        acknowledged++;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failed.add(d.partition);
        readAgain.merge(d.partition, d.offset, Math::min);
      } catch (ExecutionException | TimeoutException e) {
        log.warn("Outputs of {}-{}@{} were not acknowledged, it will be processed again: {}",
            d.partition.topic(), d.partition.partition(), d.offset, ErrorClassifier.describe(e));
        failed.add(d.partition);
        readAgain.merge(d.partition, d.offset, Math::min);
      }
    }
    return new Outcome(commit, readAgain, crash, acknowledged + committedInTransactions);
  }

  private List<Done> doneSoFar() {
    gate.lock();
    try {
      return new ArrayList<>(done);
    } finally {
      gate.unlock();
    }
  }

  private boolean isRevoked(TopicPartition partition) {
    gate.lock();
    try {
      return revoked.contains(partition);
    } finally {
      gate.unlock();
    }
  }

  // ---- the poll thread ----

  /** Waits up to {@code wait} for the batch to finish; true if it has. */
  boolean await(Duration wait) {
    try {
      outcome.get(wait.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return outcome.isDone();
    } catch (ExecutionException e) {
      return true; // run() completes normally even on a crash; kept for completeness
    }
  }

  /** What the finished batch came to. */
  Outcome outcome() {
    return outcome.join();
  }

  /** The group metadata a transactional commit is made under, refreshed by the poll thread after every poll. */
  void groupMetadata(ConsumerGroupMetadata metadata) {
    this.group = metadata;
  }

  /**
   * The consumer no longer owns {@code partitions}: records of theirs not sent yet are not sent by this
   * batch, and its outcome is not applied to them. Waits for a record's results being sent at this
   * moment.
   *
   * @return offsets that can still be committed for them: after the last record whose outputs are
   *     acknowledged already
   */
  Map<TopicPartition, OffsetAndMetadata> revoke(Collection<TopicPartition> partitions) {
    gate.lock();
    try {
      revoked.addAll(partitions);
      return acknowledgedSoFar(partitions);
    } finally {
      gate.unlock();
    }
  }

  /** Partitions taken away while the batch ran: its outcome must not be applied to them. */
  Set<TopicPartition> revoked() {
    gate.lock();
    try {
      return new HashSet<>(revoked);
    } finally {
      gate.unlock();
    }
  }

  /**
   * Gives the batch up (the worker is stopping and the handler did not finish in time): nothing more
   * of it is sent. Waits up to {@code wait} for a record's results being sent at this moment.
   *
   * @return offsets that can be committed: after the last record whose outputs are acknowledged
   */
  Map<TopicPartition, OffsetAndMetadata> abandon(Duration wait) {
    boolean locked = false;
    try {
      locked = gate.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      abandoned = true;
      return locked ? acknowledgedSoFar(records.partitions()) : Map.of();
    } finally {
      if (locked) {
        gate.unlock();
      }
    }
  }

  /** The record being processed now, as {@code topic-partition@offset}, for logs. */
  String inHand() {
    ConsumerRecord<byte[], byte[]> record = inHand;
    return record == null ? "nothing" : RecordProcessor.position(record);
  }

  private Map<TopicPartition, OffsetAndMetadata> acknowledgedSoFar(Collection<TopicPartition> partitions) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    Set<TopicPartition> stopped = new HashSet<>();
    for (Done d : done) {
      if (!partitions.contains(d.partition) || stopped.contains(d.partition)) {
        continue;
      }
      if (d.sends.stream().allMatch(Batch::succeeded)) {
        offsets.put(d.partition, new OffsetAndMetadata(d.offset + 1));
      } else {
        stopped.add(d.partition);
      }
    }
    return offsets;
  }

  private static boolean succeeded(Future<RecordMetadata> send) {
    if (!send.isDone() || send.isCancelled()) {
      return false;
    }
    try {
      send.get(); // done: does not block
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException e) {
      return false;
    }
  }
}
