package dev.lifeboat.schemas.topics;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.avro.Schema;

/**
 * One topic of the contract: its name, what its key is, the Avro schema of its values (absent for
 * topics that carry raw bytes, such as the dead-letter topic), and how Kafka keeps it.
 *
 * @param retention how long records are kept; {@code null} for compacted topics (kept until
 *     superseded)
 * @param maxMessageBytes the largest record batch the topic takes ({@code max.message.bytes}); 0
 *     leaves the broker's default (about 1 MiB)
 */
public record TopicSpec(
    String name,
    String keyDescription,
    Schema valueSchema,
    int partitions,
    CleanupPolicy cleanupPolicy,
    Duration retention,
    String description,
    int maxMessageBytes) {

  /** The setting that limits a topic's record size. */
  public static final String MAX_MESSAGE_BYTES = "max.message.bytes";

  public TopicSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(cleanupPolicy, "cleanupPolicy");
    if (partitions < 1) {
      throw new IllegalArgumentException("topic " + name + ": partitions must be at least 1, was " + partitions);
    }
    if (maxMessageBytes < 0) {
      throw new IllegalArgumentException("topic " + name + ": maxMessageBytes must not be negative, was " + maxMessageBytes);
    }
  }

  /** A topic whose records fit the broker's default size limit. */
  public TopicSpec(String name, String keyDescription, Schema valueSchema, int partitions, CleanupPolicy cleanupPolicy,
      Duration retention, String description) {
    this(name, keyDescription, valueSchema, partitions, cleanupPolicy, retention, description, 0);
  }

  /** The same topic, taking records up to {@code bytes}. */
  public TopicSpec withMaxMessageBytes(int bytes) {
    return new TopicSpec(name, keyDescription, valueSchema, partitions, cleanupPolicy, retention, description, bytes);
  }

  public Optional<Schema> schema() {
    return Optional.ofNullable(valueSchema);
  }

  public String valueSubject() {
    return Topics.valueSubject(name);
  }

  /** The topic-level configs Lifeboat sets when it creates the topic, and checks afterwards. */
  public Map<String, String> configs() {
    Map<String, String> configs = new LinkedHashMap<>();
    configs.put("cleanup.policy", cleanupPolicy.kafkaValue());
    if (retention != null) {
      configs.put("retention.ms", Long.toString(retention.toMillis()));
    }
    if (maxMessageBytes > 0) {
      configs.put(MAX_MESSAGE_BYTES, Integer.toString(maxMessageBytes));
    }
    return configs;
  }

  /** Kafka's cleanup policies. */
  public enum CleanupPolicy {
    DELETE("delete"),
    COMPACT("compact");

    private final String kafkaValue;

    CleanupPolicy(String kafkaValue) {
      this.kafkaValue = kafkaValue;
    }

    public String kafkaValue() {
      return kafkaValue;
    }
  }
}
