package dev.lifeboat.watcher.volume;

import dev.lifeboat.events.v1.VolumeEventObserved;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.registry.SchemaRegistry;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.serde.UndecodableRecordException;
import dev.lifeboat.schemas.topics.TopicReadTimeoutException;
import dev.lifeboat.schemas.topics.TopicReader;
import dev.lifeboat.schemas.topics.Topics;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@value Topics#VOLUME_EVENTS} from the beginning to its end offsets as they are when
 * reading starts, keeping the events of one cluster, to learn what was already published. Nothing
 * is committed: the consumer is assigned every partition and joins no group.
 */
public final class PublishedStateLoader {
  private static final Logger log = LoggerFactory.getLogger(PublishedStateLoader.class);

  private final KafkaClients kafka;
  private final SchemaRegistry registry;

  public PublishedStateLoader(KafkaClients kafka, SchemaRegistry registry) {
    this.kafka = kafka;
    this.registry = registry;
  }

  /**
   * @param cluster only events whose header names this cluster count
   * @throws IllegalStateException when the end is not reached within {@code timeout}: starting from
   *     part of the history would publish again what was already said
   */
  public PublishedVolumeState load(String cluster, Duration timeout) {
    return load(Topics.VOLUME_EVENTS, cluster, timeout);
  }

  PublishedVolumeState load(String topic, String cluster, Duration timeout) {
    long began = System.nanoTime();
    PublishedVolumeState state = PublishedVolumeState.empty();
    AvroDeserializer<Object> values = new AvroDeserializer<>(registry);
    int[] counts = new int[2]; // read, skipped
    try (TopicReader reader = kafka.topicReader("lifeboat-volume-history", "the published volume history " + topic)
        .requestTimeout(timeout).timeout(timeout)) {
      if (reader.partitions(topic).isEmpty()) {
        log.info("Topic {} has no partitions yet: no volume events were published", topic);
        return state;
      }
      reader.readToEnd(topic, r -> {
        Object value;
        try {
          value = values.decode(r.topic(), r.partition(), r.offset(), r.value());
        } catch (UndecodableRecordException e) {
          counts[1]++;
          log.warn("Skipping a record of the published volume history: {}", e.getMessage());
          return;
        }
        if (value instanceof VolumeEventObserved event && cluster.equals(event.getHeader().getCluster())) {
          state.add(event);
          counts[0]++;
        }
      });
    } catch (TopicReadTimeoutException e) {
      throw new IllegalStateException("could not read " + topic + " to its end within " + timeout
          + " (read " + counts[0] + " records); refusing to start from part of the published history", e);
    }
    log.info("Read {} volume events of cluster {} ({} skipped) in {} ms: {} claims known", counts[0], cluster, counts[1],
        (System.nanoTime() - began) / 1_000_000, state.claims());
    return state;
  }
}
