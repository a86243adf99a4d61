package dev.lifeboat.watcher.volume;

import dev.lifeboat.events.v1.VolumeEventObserved;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.registry.SchemaRegistry;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.serde.UndecodableRecordException;
import dev.lifeboat.schemas.topics.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
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
    long deadline = began + timeout.toNanos();
    PublishedVolumeState state = PublishedVolumeState.empty();
    AvroDeserializer<Object> values = new AvroDeserializer<>(registry);
    int read = 0;
    int skipped = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = kafka.consumer("lifeboat-volume-history-" + UUID.randomUUID())) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
      List<TopicPartition> partitions = infos == null ? List.of()
          : infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      if (partitions.isEmpty()) {
        log.info("Topic {} has no partitions yet: no volume events were published", topic);
        return state;
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
      while (!reached(consumer, ends)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + topic + " to its end within " + timeout
              + " (read " + read + " records); refusing to start from part of the published history");
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          Object value;
          try {
            value = values.decode(r.topic(), r.partition(), r.offset(), r.value());
          } catch (UndecodableRecordException e) {
            skipped++;
            log.warn("Skipping a record of the published volume history: {}", e.getMessage());
            continue;
          }
          if (value instanceof VolumeEventObserved event && cluster.equals(event.getHeader().getCluster())) {
            state.add(event);
            read++;
          }
        }
      }
    }
    log.info("Read {} volume events of cluster {} ({} skipped) in {} ms: {} claims known", read, cluster, skipped,
        (System.nanoTime() - began) / 1_000_000, state.claims());
    return state;
  }

  private static boolean reached(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> ends) {
    for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }
}
