package dev.lifeboat.schemas.topics;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link TopicReader}'s form for a log that is read for as long as a process runs (Kafka Connect's
 * {@code KafkaBasedLog}): a thread of its own reads the partitions from their beginning and goes on
 * following them, handing each record to a callback; callers on other threads wait until what the
 * topic held at some moment was handed over ({@link #readToEnd}) or until a given offset was
 * ({@link #awaitPosition}). End offsets are the read-committed ones (an {@link Admin} reads them, from
 * any thread); as with {@link TopicReader}, a partition is read up to an offset when the consumer's
 * position has reached it, transaction markers and compacted gaps included.
 *
 * <p>A record whose callback throws is not passed over: its partition is sought back to it and it
 * is handed over again after a pause, so callers waiting for it time out loudly rather than see a
 * state that skipped it. Waits end when the position made no progress for their timeout.
 */
public final class TopicFollower implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TopicFollower.class);

  private final String name;
  private final Consumer<byte[], byte[]> consumer;
  private final Admin admin;
  private final List<TopicPartition> partitions;
  private final TopicReader.RecordCallback<RuntimeException> callback;
  private final Thread thread;
  private final Object progress = new Object();
  private final Map<TopicPartition, Long> positions = new HashMap<>(); // guarded by progress
  private volatile boolean closed;

  private TopicFollower(String name, Consumer<byte[], byte[]> consumer, Admin admin, Collection<TopicPartition> partitions,
      TopicReader.RecordCallback<RuntimeException> callback) {
    this.name = name;
    this.consumer = consumer;
    this.admin = admin;
    this.partitions = List.copyOf(partitions);
    this.callback = callback;
    this.partitions.forEach(p -> positions.put(p, 0L));
    this.thread = new Thread(this::follow, "lifeboat-follow-" + name);
    this.thread.setDaemon(true);
  }

  /**
   * Starts following {@code partitions} from their beginning.
   *
   * @param consumer a consumer that reads committed data ({@link TopicReader#open} settings); the
   *     follower owns it from now on and closes it
   * @param admin reads end offsets; the caller keeps it and closes it after the follower
   */
  public static TopicFollower start(String name, Consumer<byte[], byte[]> consumer, Admin admin,
      Collection<TopicPartition> partitions, TopicReader.RecordCallback<RuntimeException> callback) {
    TopicFollower follower = new TopicFollower(name, consumer, admin, partitions, callback);
    follower.thread.start();
    return follower;
  }

  /**
   * The read-committed end offsets of the followed partitions now.
   *
   * @throws TimeoutException not answered within {@code timeout}
   * @throws InterruptException the calling thread was interrupted (its flag is set again)
   * @throws KafkaException the brokers refused the request
   */
  public Map<TopicPartition, Long> endOffsets(Duration timeout) {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    partitions.forEach(p -> latest.put(p, OffsetSpec.latest()));
    try {
      Map<TopicPartition, Long> ends = new HashMap<>();
      admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS).forEach((p, info) -> ends.put(p, info.offset()));
      return ends;
    } catch (java.util.concurrent.TimeoutException e) {
      throw new TimeoutException("timed out reading the end offsets of " + name);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof KafkaException k ? k : new KafkaException(e.getCause());
    } catch (InterruptedException e) {
      throw new InterruptException(e);
    }
  }

  /**
   * Waits until every record the followed partitions held when this was called has been handed
   * over; {@code timeout} bounds reading the end offsets and each stretch without progress.
   */
  public void readToEnd(Duration timeout) throws InterruptedException {
    for (Map.Entry<TopicPartition, Long> end : endOffsets(timeout).entrySet()) {
      awaitPosition(end.getKey(), end.getValue(), timeout);
    }
  }

  /**
   * Waits until every record of {@code partition} before {@code offset} has been handed over. Gives
   * up when the position did not move for {@code stallTimeout}, so a long catch-up at start is not
   * cut short while a stalled one is, or when the follower is closed.
   *
   * @throws TopicReadTimeoutException the position stalled; it says where it stands
   */
  public void awaitPosition(TopicPartition partition, long offset, Duration stallTimeout) throws InterruptedException {
    long deadline = System.nanoTime() + stallTimeout.toNanos();
    synchronized (progress) {
      long seen = positions.getOrDefault(partition, 0L);
      while (positions.getOrDefault(partition, 0L) < offset) {
        long now = positions.getOrDefault(partition, 0L);
        if (now > seen) {
          seen = now;
          deadline = System.nanoTime() + stallTimeout.toNanos();
        }
        long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (remaining <= 0 || closed) {
          throw new TopicReadTimeoutException("timed out waiting for " + name + " to reach offset " + offset + " of "
              + partition + " (at " + now + ")", Map.of(partition, now), Map.of(partition, offset));
        }
        progress.wait(remaining);
      }
    }
  }

  /** Where the follower stands: the offset of the next record it will hand over, per partition. */
  public Map<TopicPartition, Long> positions() {
    synchronized (progress) {
      return Map.copyOf(positions);
    }
  }

  private void follow() {
    log.debug("Following {} from the beginning", name);
    try {
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      while (!closed) {
        try {
          ConsumerRecords<byte[], byte[]> records = consumer.poll(TopicReader.POLL);
          boolean failed = false;
          for (TopicPartition partition : records.partitions()) {
            failed |= !handOver(partition, records.records(partition));
          }
          Map<TopicPartition, Long> now = new HashMap<>();
          for (TopicPartition p : partitions) {
            now.put(p, consumer.position(p, TopicReader.POLL));
          }
          synchronized (progress) {
            positions.putAll(now);
            progress.notifyAll();
          }
          if (failed) {
            Thread.sleep(TopicReader.POLL.toMillis());
          }
        } catch (WakeupException e) {
          // close() wakes the thread up; the loop condition ends it
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (RuntimeException e) {
          log.warn("Reading {} failed, retrying: {}", name, e.toString());
          sleepQuietly();
        }
      }
    } finally {
      consumer.close(CloseOptions.timeout(Duration.ZERO));
    }
  }

  /** Hands a partition's records over in order; false if one failed (the partition is sought back to it). */
  private boolean handOver(TopicPartition partition, List<ConsumerRecord<byte[], byte[]>> records) {
    for (ConsumerRecord<byte[], byte[]> record : records) {
      try {
        callback.accept(record);
      } catch (RuntimeException e) {
        log.warn("Applying {}@{} of {} failed, it is handed over again: {}", partition, record.offset(), name, e.toString());
        consumer.seek(partition, record.offset());
        return false;
      }
    }
    return true;
  }

  private static void sleepQuietly() {
    try {
      Thread.sleep(TopicReader.POLL.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops following, waiting up to {@code wait} for the thread to end; waits in progress fail. */
  public void close(Duration wait) {
    if (closed) {
      return;
    }
    closed = true;
    synchronized (progress) {
      progress.notifyAll();
    }
    consumer.wakeup();
    try {
      thread.join(wait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(10));
  }
}
