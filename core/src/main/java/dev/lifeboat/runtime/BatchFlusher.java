package dev.lifeboat.runtime;

import dev.lifeboat.observe.Health;
import dev.lifeboat.retry.ErrorClassifier;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives a {@link BatchHandler} for one run of its worker. The poll thread tells it of partitions
 * assigned and revoked (they reach the handler on the handler thread, before the next record) and
 * when a flush is due; the handler thread counts what was consumed per partition, waits for a dead
 * letter's acknowledgement before counting it, and flushes, turning what the handler says into the
 * offsets the poll thread commits.
 */
final class BatchFlusher<V> {
  private static final Logger log = LoggerFactory.getLogger(BatchFlusher.class);
  private static final long SEND_TIMEOUT_SECONDS = 120;

  private final BatchHandler<V> handler;
  private final Duration every;
  private final String worker;
  private final String component;
  private final WorkerContext context;
  private final Queue<Runnable> events = new ConcurrentLinkedQueue<>(); // poll thread -> handler thread
  private final Map<TopicPartition, Long> consumed = new HashMap<>(); // handler thread
  private final Map<TopicPartition, Long> committed = new HashMap<>(); // handler thread: the last commit asked for
  private final Set<TopicPartition> open = new HashSet<>(); // handler thread
  private Instant lastFlush; // poll thread
  private String failing; // handler thread: why the last flush failed, null if it did not

  BatchFlusher(WorkerDefinition.Batching<V> batching, String worker, String component, WorkerContext context) {
    this.handler = batching.handler();
    this.every = batching.flushEvery();
    this.worker = worker;
    this.component = component;
    this.context = context;
  }

  // ---- the poll thread ----

  /** The run starts: the first flush is one period away. */
  void started(Instant now) {
    lastFlush = now;
  }

  /** True if the period has passed since the last flush; the flush about to start is then counted from now. */
  boolean due(Instant now) {
    if (now.isBefore(lastFlush.plus(every))) {
      return false;
    }
    lastFlush = now;
    return true;
  }

  void assigned(Map<TopicPartition, Long> positions) {
    Map<TopicPartition, Long> copy = Map.copyOf(positions);
    events.add(() -> {
      handler.open(copy);
      consumed.putAll(copy);
      committed.putAll(copy);
      open.addAll(copy.keySet());
    });
  }

  void revoked(Collection<TopicPartition> partitions) {
    List<TopicPartition> copy = List.copyOf(partitions);
    events.add(() -> close(copy));
  }

  /** The run ended and its handler thread stopped: every partition still open is closed. */
  void closeAll() {
    events.clear();
    close(List.copyOf(open));
  }

  // ---- the handler thread ----

  /** Tells the handler of the partitions assigned and revoked since it last heard. */
  void applyEvents() {
    for (Runnable event = events.poll(); event != null; event = events.poll()) {
      event.run();
    }
  }

  private void close(List<TopicPartition> partitions) {
    List<TopicPartition> closing = partitions.stream().filter(open::contains).toList();
    if (!closing.isEmpty()) {
      handler.close(closing);
    }
    closing.forEach(open::remove);
    closing.forEach(consumed::remove);
    closing.forEach(committed::remove);
  }

  /**
   * A record went through: put into the handler, passed over, or dead-lettered (its {@code sends}).
   * Waits for those sends; false if one failed, and the record must be read again.
   */
  boolean settle(TopicPartition partition, long offset, List<Future<RecordMetadata>> sends, boolean deadLetter) {
    try {
      for (Future<RecordMetadata> send : sends) {
        send.get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | TimeoutException e) {
      log.warn("The dead letter of {}-{}@{} was not acknowledged, it will be processed again: {}", partition.topic(),
          partition.partition(), offset, ErrorClassifier.describe(e));
      return false;
    }
    if (open.contains(partition)) {
      consumed.put(partition, offset + 1);
      if (deadLetter) {
        handler.deadLettered(partition, offset);
      }
    }
    return true;
  }

  /**
   * Flushes if the period came ({@code due}) or the handler is full.
   *
   * @param revoked partitions taken away during the batch: not flushed for, nothing committed
   * @return offsets to commit
   */
  Map<TopicPartition, OffsetAndMetadata> flushIfWanted(boolean due, Set<TopicPartition> revoked) {
    applyEvents();
    if (!due && !handler.full()) {
      return Map.of();
    }
    Map<TopicPartition, Long> seen = new HashMap<>(consumed);
    seen.keySet().removeAll(revoked);
    BatchHandler.Flushed flushed;
    try {
      flushed = handler.flush(Map.copyOf(seen));
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      failed("the flush failed: " + ErrorClassifier.describe(e));
      return Map.of();
    }
    Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
    flushed.commit().forEach((partition, offset) -> {
      Long limit = seen.get(partition);
      if (limit == null) {
        return; // not ours any more
      }
      if (offset > limit) {
        log.warn("Worker {} flushed {} up to {}, beyond what it was given ({}): committing {}", worker, partition, offset,
            limit, limit);
      }
      long next = Math.min(offset, limit);
      if (next > committed.getOrDefault(partition, -1L)) { // a flush that moved nothing commits nothing
        commit.put(partition, new OffsetAndMetadata(next));
        committed.put(partition, next);
      }
    });
    if (!flushed.failed().isEmpty()) {
      Map.Entry<TopicPartition, Throwable> one = flushed.failed().entrySet().iterator().next();
      failed("cannot flush " + flushed.failed().keySet() + " (" + one.getKey() + ": "
          + ErrorClassifier.describe(one.getValue()) + ")");
    } else if (failing != null) {
      log.info("Worker {} flushes again after: {}", worker, failing);
      context.health().set(component, Health.State.UP, "flushing again after: " + failing);
      failing = null;
    }
    return commit;
  }

  /** A flush failed: what it holds stays (uncommitted, so also on Kafka) and is flushed again next period. */
  private void failed(String why) {
    if (!why.equals(failing)) { // a handler that retries less often than it is flushed says the same many times
      log.warn("Worker {}: {}; kept and tried again in {}", worker, why, every);
    }
    failing = why;
    context.health().set(component, Health.State.DEGRADED, why + "; kept, tried again every " + every);
  }
}
