package dev.lifeboat.watcher;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Where the watcher's records go. At most a bounded number of records (and bytes) wait for the
 * broker's acknowledgement: {@link #trySend} never blocks and answers empty when there is no room,
 * {@link #send} waits for room. The returned future completes when the broker has acknowledged the
 * record, or exceptionally when Kafka refused it (or gave up delivering it).
 */
@FunctionalInterface
public interface RecordSink {

  /**
   * Encodes {@code value} (an Avro record of the contract) and sends it to {@code topic} under
   * {@code key} if there is room; empty (nothing sent) when too much already waits for acknowledgement.
   *
   * @throws org.apache.kafka.common.errors.SerializationException at once, if the value cannot be encoded
   */
  default Optional<CompletableFuture<Void>> trySend(String topic, String key, Object value) {
    return Optional.of(send(topic, key, value));
  }

  /**
   * Like {@link #trySend}, but waits for room: for callers on threads of their own.
   *
   * @throws org.apache.kafka.common.errors.SerializationException at once, if the value cannot be encoded
   */
  CompletableFuture<Void> send(String topic, String key, Object value);

  /** Sends an already encoded record (a dead letter), waiting for room like {@link #send}. */
  default CompletableFuture<Void> sendRaw(ProducerRecord<byte[], byte[]> record) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException("this sink takes only records of the contract"));
  }

  /** Waits up to {@code timeout} until a record could be sent; true if there is room now. */
  default boolean awaitRoom(Duration timeout) throws InterruptedException {
    return true;
  }
}
