package dev.lifeboat.runtime;

import java.util.Collection;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * A handler that takes records in, keeps them, and writes them out in batches of its own making (a
 * change-log segment every few seconds), for {@link WorkerDefinition#batched}: Kafka Connect's
 * {@code SinkTask} ({@code put}, then {@code preCommit} with the offsets safe to commit). Records are
 * decoded, dead-lettered and retried by the runtime as for a {@link RecordHandler}; their offsets are
 * committed only as far as {@link #flush} says, never because {@link #put} returned.
 *
 * <p>Every method is called on the worker's handler thread, one at a time, so a handler needs no
 * locks of its own (metrics that read its state from other threads excepted). One handler object
 * serves every run of its worker: a restart {@linkplain #close closes} every partition and
 * {@linkplain #open opens} the ones the new consumer gets.
 */
public interface BatchHandler<V> {

  /**
   * What a flush came to.
   *
   * @param commit per partition, the offset to commit: every record before it was flushed (a
   *     partition left out commits nothing this time)
   * @param failed per partition that could not be flushed, why: its records are kept (by the
   *     handler) and flushed again later; the worker's health says so meanwhile
   */
  record Flushed(Map<TopicPartition, Long> commit, Map<TopicPartition, Throwable> failed) {
    public Flushed {
      commit = Map.copyOf(commit);
      failed = Map.copyOf(failed);
    }

    public static Flushed of(Map<TopicPartition, Long> commit) {
      return new Flushed(commit, Map.of());
    }
  }

  /**
   * The worker now reads {@code positions}' partitions, each from its offset (the last commit): what
   * the handler keeps for one starts there. Called before any record of theirs is put.
   */
  default void open(Map<TopicPartition, Long> positions) {}

  /**
   * Takes one record in. Throw a {@link dev.lifeboat.retry.RetriableFailure} to be given it again
   * after a backoff (its partition is paused meanwhile: a handler whose buffer for the partition
   * cannot take more until a flush succeeds says so this way), any other exception to have it
   * dead-lettered.
   */
  void put(InboundRecord<V> record) throws Exception;

  /**
   * A record of an open partition was dead-lettered (its dead letter is acknowledged) instead of
   * being put: its offset counts as consumed, like one that was put.
   */
  default void deadLettered(TopicPartition partition, long offset) {}

  /** True when what the handler keeps should be flushed now rather than at the next period. */
  default boolean full() {
    return false;
  }

  /**
   * Writes out what the handler keeps and says what may be committed. Called every flush period of
   * the worker and after a batch of records that left the handler {@link #full}.
   *
   * @param consumed per open partition, the offset after the last record that was put,
   *     dead-lettered or passed over (a key the worker does not read): every record before it has
   *     been seen. A commit beyond it is not made.
   * @throws Exception nothing is committed; the worker's health says so and the next flush tries again
   */
  Flushed flush(Map<TopicPartition, Long> consumed) throws Exception;

  /**
   * The worker no longer reads {@code partitions} (a rebalance, a stop, a restart): drop what is
   * kept for them. Their records after the last commit are read again, by this worker or another.
   */
  default void close(Collection<TopicPartition> partitions) {}
}
