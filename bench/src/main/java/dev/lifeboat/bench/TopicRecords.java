package dev.lifeboat.bench;

import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.registry.HttpSchemaRegistryClient;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.UUID;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Follows one topic from its beginning with a consumer of its own, decoding each record once: a
 * benchmark waits on what the records say (every claim snapshotted, every offset copied off-region),
 * never on a sleep. Each {@link #catchUp} reads from where the last one stopped to the topic's end
 * offsets of now; a wait blocks in the consumer's poll until more records come.
 */
final class TopicRecords implements AutoCloseable {
  /** A decoded record: where it is, when it was written, its value. */
  record Decoded(int partition, long offset, long timestamp, Object value) {}

  private static final Duration CATCH_UP = Duration.ofSeconds(120);

  private final String topic;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final List<TopicPartition> partitions;
  private final AvroDeserializer<Object> values;
  private final List<Decoded> records = new ArrayList<>();

  TopicRecords(String bootstrapServers, String registryUrl, String topic) {
    this.topic = topic;
    this.consumer = new KafkaClients(bootstrapServers).consumer("bench-follower-" + UUID.randomUUID());
    this.partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    this.values = new AvroDeserializer<>(new HttpSchemaRegistryClient(registryUrl));
  }

  /** Reads what was written since the last call, up to the end offsets of now; returns them. */
  Map<TopicPartition, Long> catchUp() {
    Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
    long deadline = System.nanoTime() + CATCH_UP.toNanos();
    while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("cannot read " + topic + " to its end offsets " + ends + " within "
            + CATCH_UP.toSeconds() + " s");
      }
      poll(Duration.ofMillis(200));
    }
    return Map.copyOf(ends);
  }

  /** Waits up to {@code atMost} for records and keeps what comes. */
  private void poll(Duration atMost) {
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(atMost)) {
      records.add(new Decoded(r.partition(), r.offset(), r.timestamp(), values.decode(r.topic(), r.partition(), r.offset(),
          r.value())));
    }
  }

  List<Decoded> records() {
    return records;
  }

  /** Every value of type {@code type} read so far. */
  <T> List<T> values(Class<T> type) {
    return records.stream().map(Decoded::value).filter(type::isInstance).map(type::cast).toList();
  }

  /**
   * Catches up, then waits in the consumer's poll for more, until {@code done} holds of this follower, or fails saying {@code what}
   * after {@code timeout}; {@code failed} is checked first on every round and, when it returns a reason,
   * ends the wait at once with it.
   */
  void await(String what, Duration timeout, Predicate<TopicRecords> done, java.util.function.Function<TopicRecords, String> failed)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      catchUp();
      String reason = failed.apply(this);
      if (reason != null) {
        throw new IllegalStateException("waiting for " + what + ": " + reason);
      }
      if (done.test(this)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("not within " + timeout.toSeconds() + " s: " + what);
      }
      poll(Duration.ofMillis(500)); // returns as soon as records come
    }
  }

  @Override
  public void close() {
    consumer.close();
  }
}
