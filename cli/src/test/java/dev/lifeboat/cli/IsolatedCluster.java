package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatConfig.ClusterConfig;
import dev.lifeboat.config.LifeboatConfig.KafkaConfig;
import dev.lifeboat.config.LifeboatConfig.StatusConfig;
import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.config.LifeboatConfig.StoresConfig;
import dev.lifeboat.events.v1.Header;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.testing.TestStack;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * A protected cluster of its own on the shared test stack, for tests that run Lifeboat processes: its
 * own name (in every record header), consumer groups and repository prefix in each store, so what
 * other tests left on the topics and in the stores is none of its business.
 */
final class IsolatedCluster {
  private final TestStack stack;
  private final String name;

  IsolatedCluster(TestStack stack, String prefix) {
    this.stack = stack;
    this.name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  String name() {
    return name;
  }

  /**
   * The demo's configuration for this cluster: its name, groups and store prefix, no etcd, the status
   * server on a free port, the demo's keys from {@code dataDir}; worker sections as the demo has them.
   */
  LifeboatConfig config(Path dataDir) {
    LifeboatConfig demo = DemoConfig.of(stack.stack().endpoints(), dataDir, 0);
    List<StoreConfig> stores = Stream.concat(Stream.of(demo.stores().primary()), demo.stores().offsite().stream())
        .map(s -> new StoreConfig(s.name(), s.endpoint(), s.bucket(), name, s.accessKey(), s.secretKey(), s.region()))
        .toList();
    return new LifeboatConfig(new ClusterConfig(name),
        new KafkaConfig(stack.kafka().bootstrapServers(), name + "-", 1, KafkaClients.DEFAULT_COMPRESSION, Map.of()),
        demo.registry(), new StoresConfig(stores.get(0), stores.subList(1, stores.size())), demo.kubernetes(), Optional.empty(),
        new StatusConfig("127.0.0.1", 0), demo.encryption(), demo.repository(), demo.retention(), demo.sections());
  }

  /** The end offsets of every partition of the topic now: a marker to read up to. */
  Map<TopicPartition, Long> endOffsets(String topic) {
    try (KafkaConsumer<byte[], byte[]> consumer = stack.kafka().consumer(name + "-it-" + UUID.randomUUID())) {
      return consumer.endOffsets(consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList());
    }
  }

  /** This cluster's records of the topic of this type, from its beginning to its end offsets now. */
  <T> List<T> records(String topic, Class<T> type) {
    Map<TopicPartition, Long> from = new java.util.HashMap<>();
    Map<TopicPartition, Long> to = endOffsets(topic);
    to.keySet().forEach(tp -> from.put(tp, 0L));
    return records(type, from, to);
  }

  /** This cluster's records of this type between two sets of offsets (markers, not a wait). */
  <T> List<T> records(Class<T> type, Map<TopicPartition, Long> from, Map<TopicPartition, Long> to) {
    AvroDeserializer<Object> avro = new AvroDeserializer<>(stack.registry());
    List<T> found = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = stack.kafka().consumer(name + "-it-" + UUID.randomUUID())) {
      consumer.assign(from.keySet());
      from.forEach(consumer::seek);
      Instant deadline = Instant.now().plusSeconds(60);
      while (from.keySet().stream().anyMatch(tp -> consumer.position(tp) < to.get(tp))) {
        assertThat(Instant.now()).as("read up to the end offsets %s", to).isBefore(deadline);
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.value() == null || r.offset() >= to.get(new TopicPartition(r.topic(), r.partition()))) {
            continue;
          }
          Object value = avro.decode(r.topic(), r.partition(), r.offset(), r.value());
          if (type.isInstance(value) && value instanceof GenericRecord g && g.get("header") instanceof Header h
              && h.getCluster().equals(name)) {
            found.add(type.cast(value));
          }
        }
      }
    }
    return found;
  }
}
