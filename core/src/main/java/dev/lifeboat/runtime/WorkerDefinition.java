package dev.lifeboat.runtime;

import dev.lifeboat.retry.RetryPolicy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
 */
public record WorkerDefinition<V>(
    String name,
    List<String> inputTopics,
    RecordHandler<V> handler,
    RetryPolicy retryPolicy,
    boolean decodeValues,
    Exhausted onRetriesExhausted,
    boolean transactional,
    Map<String, Object> consumerProperties) {

  /** After the retry deadline: keep the record on Kafka and keep trying (a store is down), or dead-letter it. */
  public enum Exhausted {
    KEEP_RETRYING,
    DEAD_LETTER
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

  public WorkerDefinition<V> withRetryPolicy(RetryPolicy policy) {
    return new WorkerDefinition<>(name, inputTopics, handler, policy, decodeValues, onRetriesExhausted, transactional,
        consumerProperties);
  }

  public WorkerDefinition<V> onRetriesExhausted(Exhausted what) {
    return new WorkerDefinition<>(name, inputTopics, handler, retryPolicy, decodeValues, what, transactional,
        consumerProperties);
  }

  public WorkerDefinition<V> rawValues() {
    return new WorkerDefinition<>(name, inputTopics, handler, retryPolicy, false, onRetriesExhausted, transactional,
        consumerProperties);
  }

  /**
   * Each record's outputs and offset in one Kafka transaction: consumers reading committed data see a
   * record's outputs exactly once, and only if its offset was committed with them.
   */
  public WorkerDefinition<V> inTransactions() {
    return new WorkerDefinition<>(name, inputTopics, handler, retryPolicy, decodeValues, onRetriesExhausted, true,
        consumerProperties);
  }

  /** One more consumer setting for this worker (it wins over Lifeboat's and the configuration's). */
  public WorkerDefinition<V> withConsumerProperty(String key, Object value) {
    Map<String, Object> more = new HashMap<>(consumerProperties);
    more.put(key, value);
    return new WorkerDefinition<>(name, inputTopics, handler, retryPolicy, decodeValues, onRetriesExhausted, transactional,
        more);
  }
}
