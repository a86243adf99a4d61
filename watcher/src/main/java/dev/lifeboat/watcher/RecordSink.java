package dev.lifeboat.watcher;

import java.util.concurrent.CompletableFuture;

/**
 * Where the watcher's records go. {@link #send} blocks while too many records are unacknowledged:
 * that is the watcher's backpressure (it stops taking informer events when Kafka is slow or down).
 * The future completes when the broker has acknowledged the record.
 */
public interface RecordSink {

  /**
   * Encodes {@code value} (an Avro record of the contract) and sends it to {@code topic} under
   * {@code key}.
   *
   * @throws org.apache.kafka.common.errors.SerializationException at once, if the value cannot be encoded
   */
  CompletableFuture<Void> send(String topic, String key, Object value);
}
