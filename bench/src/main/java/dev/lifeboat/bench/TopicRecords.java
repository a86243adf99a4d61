package dev.lifeboat.bench;

import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.registry.HttpSchemaRegistryClient;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.topics.TopicReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;

/**
 * Follows one topic from its beginning on the shared {@link TopicReader}, decoding each record once: a benchmark waits on what the
 * records say (every claim snapshotted, every offset copied off-region), never on a sleep. Each
 * {@link #catchUp} reads from where the last one stopped to the topic's end offsets of now.
 */
final class TopicRecords implements AutoCloseable {
  /** A decoded record: where it is, when it was written, its value. */
  record Decoded(int partition, long offset, long timestamp, Object value) {}

  private final String topic;
  private final TopicReader reader;
  private final AvroDeserializer<Object> values;
  private final Map<TopicPartition, Long> positions = new HashMap<>();
  private final List<Decoded> records = new ArrayList<>();

  TopicRecords(String bootstrapServers, String registryUrl, String topic) {
    this.topic = topic;
    this.reader = new KafkaClients(bootstrapServers).topicReader("bench-follower", topic).timeout(Duration.ofSeconds(120));
    this.values = new AvroDeserializer<>(new HttpSchemaRegistryClient(registryUrl));
  }

  /** Reads what was written since the last call; returns the end offsets reached. */
  Map<TopicPartition, Long> catchUp() {
    if (positions.isEmpty()) {
      reader.partitions(topic).forEach(p -> positions.put(p, 0L));
    }
    TopicReader.Progress read = reader.readToEnd(new HashMap<>(positions),
        r -> records.add(new Decoded(r.partition(), r.offset(), r.timestamp(), values.decode(r.topic(), r.partition(),
            r.offset(), r.value()))));
    positions.putAll(read.ends());
    return Map.copyOf(positions);
  }

  List<Decoded> records() {
    return records;
  }

  /** Every value of type {@code type} read so far. */
  <T> List<T> values(Class<T> type) {
    return records.stream().map(Decoded::value).filter(type::isInstance).map(type::cast).toList();
  }

  /**
   * Catches up every half second until {@code done} holds of this follower, or fails saying {@code what}
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
      Thread.sleep(500);
    }
  }

  @Override
  public void close() {
    reader.close();
  }
}
