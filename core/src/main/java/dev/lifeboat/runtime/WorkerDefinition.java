package dev.lifeboat.runtime;

import dev.lifeboat.retry.RetryPolicy;
import java.util.List;
import java.util.Objects;

/**
 * What makes one worker different from another: its name (also its consumer group, suffixed), the
 * topics it reads, its handler, and how it retries.
 *
 * @param decodeValues true: values arrive decoded from the Confluent wire format; false: raw bytes
 * @param onRetriesExhausted what to do with a record whose retriable failure outlived the deadline
 */
public record WorkerDefinition<V>(
    String name,
    List<String> inputTopics,
    RecordHandler<V> handler,
    RetryPolicy retryPolicy,
    boolean decodeValues,
    Exhausted onRetriesExhausted) {

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
    if (inputTopics.isEmpty()) {
      throw new IllegalArgumentException("worker " + name + " reads no topic");
    }
  }

  /** A worker that decodes Avro values, retries with the default policy and never gives up on a retriable failure. */
  public static <V> WorkerDefinition<V> of(String name, String topic, RecordHandler<V> handler) {
    return new WorkerDefinition<>(name, List.of(topic), handler, RetryPolicy.DEFAULT, true, Exhausted.KEEP_RETRYING);
  }

  public WorkerDefinition<V> withRetryPolicy(RetryPolicy policy) {
    return new WorkerDefinition<>(name, inputTopics, handler, policy, decodeValues, onRetriesExhausted);
  }

  public WorkerDefinition<V> onRetriesExhausted(Exhausted what) {
    return new WorkerDefinition<>(name, inputTopics, handler, retryPolicy, decodeValues, what);
  }

  public WorkerDefinition<V> rawValues() {
    return new WorkerDefinition<>(name, inputTopics, handler, retryPolicy, false, onRetriesExhausted);
  }
}
