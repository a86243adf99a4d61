package dev.lifeboat.cli.client;

import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.topics.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads {@code lifeboat.audit} (every partition, no consumer group) from a fixed point: the end as
 * it is now (to follow what a command about to be sent causes), or an instant. Records that do not
 * decode are skipped.
 */
public final class AuditFollower implements AutoCloseable {
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final AvroDeserializer<Object> deserializer;
  private final List<TopicPartition> partitions;
  private final Map<TopicPartition, Long> endAtStart;

  private AuditFollower(Connection connection, Instant since) {
    this.deserializer = new AvroDeserializer<>(connection.registry());
    this.consumer = new KafkaConsumer<>(connection.kafka().consumerProperties("lifeboat-cli-" + UUID.randomUUID()));
    this.partitions = consumer.partitionsFor(Topics.AUDIT, Duration.ofSeconds(30)).stream()
        .map(p -> new TopicPartition(Topics.AUDIT, p.partition())).toList();
    consumer.assign(partitions);
    this.endAtStart = consumer.endOffsets(partitions, Duration.ofSeconds(30));
    if (since == null) {
      partitions.forEach(p -> consumer.seek(p, endAtStart.get(p)));
    } else {
      Map<TopicPartition, Long> times = new HashMap<>();
      partitions.forEach(p -> times.put(p, since.toEpochMilli()));
      Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(times, Duration.ofSeconds(30));
      partitions.forEach(p -> consumer.seek(p, found.get(p) == null ? endAtStart.get(p) : found.get(p).offset()));
    }
    partitions.forEach(consumer::position);
  }

  /** From the end of the topic as it is now. */
  public static AuditFollower fromNow(Connection connection) {
    return new AuditFollower(connection, null);
  }

  /** From the first event recorded at or after {@code since}. */
  public static AuditFollower since(Connection connection, Instant since) {
    return new AuditFollower(connection, since);
  }

  /**
   * Hands every event to {@code each} until it returns false, the deadline passes (null: never), or,
   * with {@code untilEndAtStart}, everything that was on the topic when this follower was made has
   * been read (the same follower may then go on from there).
   *
   * @return true when {@code each} ended it
   */
  public boolean follow(Predicate<AuditEvent> each, Instant deadline, boolean untilEndAtStart) {
    consumer.resume(consumer.paused());
    while (deadline == null || Instant.now().isBefore(deadline)) {
      if (untilEndAtStart && partitions.stream().allMatch(p -> consumer.position(p) >= endAtStart.get(p))) {
        return false;
      }
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        TopicPartition partition = new TopicPartition(r.topic(), r.partition());
        if (untilEndAtStart && r.offset() >= endAtStart.get(partition)) {
          // leave it for a later follow: back to the end as it was, and wait there
          consumer.seek(partition, endAtStart.get(partition));
          consumer.pause(List.of(partition));
          continue;
        }
        Object value;
        try {
          value = deserializer.decode(r.topic(), r.partition(), r.offset(), r.value());
        } catch (RuntimeException e) {
          continue;
        }
        if (value instanceof AuditEvent event && !each.test(event)) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
  }
}
