package dev.lifeboat.watcher;

import dev.lifeboat.events.v1.ChangeType;
import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.registry.SchemaRegistry;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the watcher has published: for every live object, the content hash and uid of its last
 * record. Loaded at start from Kafka itself, first the compacted {@code lifeboat.resource-state}
 * (the latest record of every object, kept forever), then {@code lifeboat.resource-changes} (newer
 * records; a DELETED removes the object), so a restarted watcher publishes only what really changed
 * while it was away.
 */
public final class PublishedState {
  private static final Logger log = LoggerFactory.getLogger(PublishedState.class);

  /** The last published fact about one object. */
  public record Entry(String hash, String uid) {}

  private final Map<String, Entry> entries = new ConcurrentHashMap<>();

  public Entry get(String key) {
    return entries.get(key);
  }

  public void put(String key, Entry entry) {
    entries.put(key, entry);
  }

  public void remove(String key) {
    entries.remove(key);
  }

  public int size() {
    return entries.size();
  }

  /** Keys that satisfy {@code filter} (e.g. every object of one kind). */
  public List<String> keys(Predicate<String> filter) {
    List<String> keys = new ArrayList<>();
    for (String key : entries.keySet()) {
      if (filter.test(key)) {
        keys.add(key);
      }
    }
    return keys;
  }

  /** Reads what this cluster's watcher published before, up to the current end of both topics. */
  public static PublishedState load(KafkaClients kafka, SchemaRegistry registry, String cluster) {
    PublishedState state = new PublishedState();
    long began = System.nanoTime();
    AvroDeserializer<Object> deserializer = new AvroDeserializer<>(registry);
    int read = 0;
    int skipped = 0;
    String prefix = cluster + "/";
    for (String topic : List.of(Topics.RESOURCE_STATE, Topics.RESOURCE_CHANGES)) {
      try (KafkaConsumer<byte[], byte[]> consumer = kafka.consumer("lifeboat-watcher-state-" + UUID.randomUUID())) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
            .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        Set<TopicPartition> pending = ConcurrentHashMap.newKeySet();
        end.forEach((tp, offset) -> {
          if (offset > 0) {
            pending.add(tp);
          }
        });
        while (!pending.isEmpty()) {
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
            TopicPartition tp = new TopicPartition(record.topic(), record.partition());
            if (record.offset() + 1 >= end.get(tp)) {
              pending.remove(tp);
            }
            if (record.key() == null) {
              continue;
            }
            String key = new String(record.key(), StandardCharsets.UTF_8);
            if (!key.startsWith(prefix)) {
              continue;
            }
            read++;
            if (record.value() == null) {
              state.remove(key); // tombstone in the state table
              continue;
            }
            try {
              ResourceChanged change = (ResourceChanged) deserializer.decode(record.topic(), record.partition(), record.offset(), record.value());
              if (change.getType() == ChangeType.DELETED) {
                state.remove(key);
              } else {
                state.put(key, new Entry(change.getContentHash(), change.getUid()));
              }
            } catch (RuntimeException e) {
              skipped++;
              log.warn("Skipping a record of {} that cannot be read while loading the published state: {}", topic, e.getMessage());
            }
          }
          pending.removeIf(tp -> consumer.position(tp) >= end.get(tp));
        }
      }
    }
    log.info("Loaded the published state of cluster {}: {} live objects from {} records ({} unreadable) in {} ms",
        cluster, state.size(), read, skipped, (System.nanoTime() - began) / 1_000_000);
    return state;
  }
}
