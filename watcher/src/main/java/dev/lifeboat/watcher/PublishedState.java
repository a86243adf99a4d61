package dev.lifeboat.watcher;

import dev.lifeboat.events.v1.ChangeType;
import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.registry.SchemaRegistry;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.topics.TopicReader;
import dev.lifeboat.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the watcher has published: for every live object, the content hash and uid of its last
 * record that Kafka <em>acknowledged</em>, and, beside it, the record sent for it that Kafka has not
 * acknowledged yet, if any. A change counts as published only once it is acknowledged: a record
 * Kafka refuses is forgotten here (its object goes back to what Kafka holds), so the next look at
 * the object publishes it again.
 *
 * <p>Loaded at start from Kafka itself, first the compacted {@code lifeboat.resource-state} (the
 * latest record of every object, kept forever), then {@code lifeboat.resource-changes} (newer
 * records; a DELETED removes the object), so a restarted watcher publishes only what really changed
 * while it was away.
 *
 * <p>Acknowledgements arrive on the producer's thread, in send order per object (one object, one
 * partition); they update the maps without taking the publisher's locks.
 */
public final class PublishedState {
  private static final Logger log = LoggerFactory.getLogger(PublishedState.class);

  /** The last published fact about one object. */
  public record Entry(String hash, String uid) {}

  /**
   * A record sent and not yet acknowledged: the entry it will make true, or a deletion ({@code
   * entry == null}). Compared by identity, so an older send's outcome never clears a newer one.
   */
  public static final class Pending {
    private final Entry entry;

    Pending(Entry entry) {
      this.entry = entry;
    }

    public Entry entry() {
      return entry;
    }

    boolean deletion() {
      return entry == null;
    }
  }

  private final Map<String, Entry> acknowledged = new ConcurrentHashMap<>();
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();

  /**
   * What the topic will hold for {@code key} once everything sent is acknowledged: the pending
   * record's entry (null for a pending deletion), else the acknowledged one (null if none).
   */
  public Entry get(String key) {
    Pending p = pending.get(key);
    if (p != null) {
      return p.entry;
    }
    return acknowledged.get(key);
  }

  /** The last entry Kafka acknowledged for {@code key}, or null. */
  public Entry acknowledged(String key) {
    return acknowledged.get(key);
  }

  /** A record that makes {@code entry} true (null: a deletion) was handed to the producer. */
  public Pending sent(String key, Entry entry) {
    Pending p = new Pending(entry);
    pending.put(key, p);
    return p;
  }

  /** Kafka acknowledged the record of {@code sent}. */
  public void acknowledged(String key, Pending sent) {
    if (sent.deletion()) {
      acknowledged.remove(key);
    } else {
      acknowledged.put(key, sent.entry);
    }
    pending.remove(key, sent);
  }

  /** Kafka refused the record of {@code sent}: the object is back to what Kafka holds. */
  public void refused(String key, Pending sent) {
    pending.remove(key, sent);
  }

  /** Records sent and not yet acknowledged. */
  public int pendingCount() {
    return pending.size();
  }

  /** Live objects, as the topic will hold them once everything sent is acknowledged. */
  public int size() {
    return keys(k -> true).size();
  }

  /** Keys of live objects (acknowledged or pending, not pending deletion) that satisfy {@code filter}. */
  public List<String> keys(Predicate<String> filter) {
    List<String> keys = new ArrayList<>();
    for (String key : acknowledged.keySet()) {
      if (filter.test(key) && get(key) != null) {
        keys.add(key);
      }
    }
    for (Map.Entry<String, Pending> p : pending.entrySet()) {
      if (!p.getValue().deletion() && !acknowledged.containsKey(p.getKey()) && filter.test(p.getKey())) {
        keys.add(p.getKey());
      }
    }
    return keys;
  }

  /** Loading only: an entry read back from Kafka. */
  void load(String key, Entry entry) {
    if (entry == null) {
      acknowledged.remove(key);
    } else {
      acknowledged.put(key, entry);
    }
  }

  /** Reads what this cluster's watcher published before, up to the current end of both topics. */
  public static PublishedState load(KafkaClients kafka, SchemaRegistry registry, String cluster) {
    long began = System.nanoTime();
    Loading loading = new Loading(new PublishedState(), new AvroDeserializer<>(registry), cluster + "/");
    try (TopicReader reader = kafka.topicReader("lifeboat-watcher-state", "the published state of cluster " + cluster)) {
      // the compacted table first (the latest record of every object), then the newer changes
      for (String topic : List.of(Topics.RESOURCE_STATE, Topics.RESOURCE_CHANGES)) {
        reader.readToEnd(topic, loading::apply);
      }
    }
    log.info("Loaded the published state of cluster {}: {} live objects from {} records ({} unreadable) in {} ms",
        cluster, loading.state.size(), loading.read, loading.skipped, (System.nanoTime() - began) / 1_000_000);
    return loading.state;
  }

  /** One load: applies the records of this cluster to the state. */
  private static final class Loading {
    final PublishedState state;
    final AvroDeserializer<Object> deserializer;
    final String prefix;
    int read;
    int skipped;

    Loading(PublishedState state, AvroDeserializer<Object> deserializer, String prefix) {
      this.state = state;
      this.deserializer = deserializer;
      this.prefix = prefix;
    }

    void apply(ConsumerRecord<byte[], byte[]> record) {
      if (record.key() == null) {
        return;
      }
      String key = new String(record.key(), StandardCharsets.UTF_8);
      if (!key.startsWith(prefix)) {
        return;
      }
      read++;
      if (record.value() == null) {
        state.load(key, null); // tombstone in the state table
        return;
      }
      try {
        ResourceChanged change = (ResourceChanged) deserializer.decode(record.topic(), record.partition(), record.offset(),
            record.value());
        state.load(key, change.getType() == ChangeType.DELETED ? null : new Entry(change.getContentHash(), change.getUid()));
      } catch (RuntimeException e) {
        skipped++;
        log.warn("Skipping a record of {} that cannot be read while loading the published state: {}", record.topic(),
            e.getMessage());
      }
    }
  }
}
