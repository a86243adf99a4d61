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
 */
public record TopicSpec(
    String name,
    String keyDescription,
    Schema valueSchema,
    int partitions,
    CleanupPolicy cleanupPolicy,
    Duration retention,
    String description) {

  public TopicSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(cleanupPolicy, "cleanupPolicy");
    if (partitions < 1) {
      throw new IllegalArgumentException("topic " + name + ": partitions must be at least 1, was " + partitions);
    }
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
