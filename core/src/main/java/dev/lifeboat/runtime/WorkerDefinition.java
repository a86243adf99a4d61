package dev.lifeboat.runtime;

import dev.lifeboat.retry.RetryPolicy;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * What makes one worker different from another: its name (also its consumer group, suffixed), the
 * topics it reads, its handler, and how it retries.
 *
 * @param decodeValues true: values arrive decoded from the Confluent wire format; false: raw bytes
 * @param onRetriesExhausted what to do with a record whose retriable failure outlived the deadline
 * @param transactional true: each record's outputs (or its dead letter) and its offset are committed
 *     in one Kafka transaction, so a crash never records a result twice nor loses one (see DESIGN.md)
 * @param consumerProperties settings of this worker's consumer on top of Lifeboat's (e.g. {@code
 *     max.poll.records}); a worker whose records take long needs none: handlers run beside the poll
 *     thread, which keeps polling (see DESIGN.md)
 * @param groupId the consumer group; null: the process's group prefix followed by the name
 * @param keys the record keys this worker reads; records with other keys are passed over without
 *     being decoded (null: every key)
 * @param batching null for a worker whose {@code handler} handles one record at a time; else the
 *     {@link BatchHandler} that keeps records and says, when flushed, what may be committed
 *     ({@code handler} then puts each record into it)
 */
public record WorkerDefinition<V>(
    String name,
    List<String> inputTopics,
    RecordHandler<V> handler,
    RetryPolicy retryPolicy,
    boolean decodeValues,
    Exhausted onRetriesExhausted,
    boolean transactional,
    Map<String, Object> consumerProperties,
    String groupId,
    Predicate<String> keys,
    Batching<V> batching) {

  /** After the retry deadline: keep the record on Kafka and keep trying (a store is down), or dead-letter it. */
  public enum Exhausted {
    KEEP_RETRYING,
    DEAD_LETTER
  }

  /** A batch handler and how often the runtime flushes it. */
  public record Batching<V>(BatchHandler<V> handler, Duration flushEvery) {
    public Batching {
      Objects.requireNonNull(handler, "handler");
      if (flushEvery.isZero() || flushEvery.isNegative()) {
        throw new IllegalArgumentException("the flush period must be positive, was " + flushEvery);
      }
    }
  }

  public WorkerDefinition {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(handler, "handler");
    Objects.requireNonNull(retryPolicy, "retryPolicy");
    Objects.requireNonNull(onRetriesExhausted, "onRetriesExhausted");
    inputTopics = List.copyOf(inputTopics);
    consumerProperties = Map.copyOf(consumerProperties);
    if (inputTopics.isEmpty()) {
      throw new IllegalArgumentException("worker " + name + " reads no topic");
    }
    if (batching != null && transactional) {
      throw new IllegalArgumentException("worker " + name + " has a batch handler: its commits follow its flushes, "
          + "not one transaction per record");
    }
  }

  /** A worker with the consumer's default settings, in the group named after it, reading every key. */
  public WorkerDefinition(String name, List<String> inputTopics, RecordHandler<V> handler, RetryPolicy retryPolicy,
      boolean decodeValues, Exhausted onRetriesExhausted, boolean transactional, Map<String, Object> consumerProperties) {
    this(name, inputTopics, handler, retryPolicy, decodeValues, onRetriesExhausted, transactional, consumerProperties,
        null, null, null);
  }

  /** An at-least-once worker (outputs acknowledged, then the offset committed) with the consumer's default settings. */
  public WorkerDefinition(String name, List<String> inputTopics, RecordHandler<V> handler, RetryPolicy retryPolicy,
      boolean decodeValues, Exhausted onRetriesExhausted) {
    this(name, inputTopics, handler, retryPolicy, decodeValues, onRetriesExhausted, false, Map.of());
  }

  /** A worker that decodes Avro values, retries with the default policy and never gives up on a retriable failure. */
  public static <V> WorkerDefinition<V> of(String name, String topic, RecordHandler<V> handler) {
    return new WorkerDefinition<>(name, List.of(topic), handler, RetryPolicy.DEFAULT, true, Exhausted.KEEP_RETRYING);
  }

  /**
   * A worker whose handler keeps records and writes them out in batches: the runtime decodes each
   * record (dead-lettering and retrying as for any worker) and puts it into {@code handler}, calls
   * {@link BatchHandler#flush} every {@code flushEvery} (and when the handler is {@linkplain
   * BatchHandler#full full}) and commits what the flush says (see DESIGN.md, Batch handlers).
   */
  public static <V> WorkerDefinition<V> batched(String name, String topic, BatchHandler<V> handler, Duration flushEvery) {
    return new WorkerDefinition<>(name, List.of(topic), (record, outputs) -> handler.put(record), RetryPolicy.DEFAULT,
        true, Exhausted.KEEP_RETRYING, false, Map.of(), null, null, new Batching<>(handler, flushEvery));
  }

  public WorkerDefinition<V> withRetryPolicy(RetryPolicy policy) {
    return new WorkerDefinition<>(name, inputTopics, handler, policy, decodeValues, onRetriesExhausted, transactional,
        consumerProperties, groupId, keys, batching);
  }

  public WorkerDefinition<V> onRetriesExhausted(Exhausted what) {
    return new WorkerDefinition<>(name, inputTopics, handler, retryPolicy, decodeValues, what, transactional,
        consumerProperties, groupId, keys, batching);
  }

  public WorkerDefinition<V> rawValues() {
    return new WorkerDefinition<>(name, inputTopics, handler, retryPolicy, false, onRetriesExhausted, transactional,
        consumerProperties, groupId, keys, batching);
  }

  /**
   * Each record's outputs and offset in one Kafka transaction: consumers reading committed data see a
   * record's outputs exactly once, and only if its offset was committed with them.
   */
  public WorkerDefinition<V> inTransactions() {
    return new WorkerDefinition<>(name, inputTopics, handler, retryPolicy, decodeValues, onRetriesExhausted, true,
        consumerProperties, groupId, keys, batching);
  }

  /** One more consumer setting for this worker (it wins over Lifeboat's and the configuration's). */
  public WorkerDefinition<V> withConsumerProperty(String key, Object value) {
    Map<String, Object> more = new HashMap<>(consumerProperties);
    more.put(key, value);
    return new WorkerDefinition<>(name, inputTopics, handler, retryPolicy, decodeValues, onRetriesExhausted, transactional,
        more, groupId, keys, batching);
  }

  /** Another consumer group than the process's prefix followed by the name (one a worker had before it ran on the runtime). */
  public WorkerDefinition<V> inGroup(String group) {
    return new WorkerDefinition<>(name, inputTopics, handler, retryPolicy, decodeValues, onRetriesExhausted, transactional,
        consumerProperties, group, keys, batching);
  }

  /**
   * Reads only records whose key {@code wanted} accepts (it is given null for a record without a
   * key); the others are passed over, neither decoded nor handed to the handler, and committed.
   */
  public WorkerDefinition<V> onlyKeys(Predicate<String> wanted) {
    return new WorkerDefinition<>(name, inputTopics, handler, retryPolicy, decodeValues, onRetriesExhausted, transactional,
        consumerProperties, groupId, wanted, batching);
  }
}
