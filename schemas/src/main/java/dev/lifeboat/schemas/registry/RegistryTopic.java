package dev.lifeboat.schemas.registry;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the registry's topic if it is missing, and refuses one that would lose or reorder
 * schemas: it must have a single partition (one order for every instance) and be compacted only
 * (time- or size-based deletion would drop schemas still in use).
 */
final class RegistryTopic {
  private static final Logger log = LoggerFactory.getLogger(RegistryTopic.class);

  private RegistryTopic() {}

  static void ensure(Admin admin, String topic, Duration timeout) {
    try {
      Optional<TopicDescription> existing = describe(admin, topic, timeout);
      if (existing.isPresent()) {
        verify(admin, existing.get(), timeout);
        return;
      }
      int brokers = admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS).size();
      short replicationFactor = (short) Math.max(1, Math.min(3, brokers));
      NewTopic newTopic = new NewTopic(topic, 1, replicationFactor)
          .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
              TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(Math.max(1, replicationFactor - 1))));
      try {
        admin.createTopics(List.of(newTopic)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        log.info("Created schema registry topic '{}' (1 partition, replication factor {}, compacted)",
            topic, replicationFactor);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("Cannot create or describe schema registry topic '" + topic
          + "': " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("Timed out after " + timeout + " creating or describing schema"
          + " registry topic '" + topic + "'; is Kafka reachable?", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while preparing topic '" + topic + "'", e);
    }
  }

  private static void verify(Admin admin, TopicDescription topic, Duration timeout)
      throws ExecutionException, TimeoutException, InterruptedException {
    int partitions = topic.partitions().size();
    if (partitions != 1) {
      throw new IllegalStateException("Schema registry topic '" + topic.name() + "' has " + partitions
          + " partitions; it must have exactly 1");
    }
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic.name());
    Config config = admin.describeConfigs(List.of(resource)).all()
        .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(resource);
    ConfigEntry policy = config == null ? null : config.get(TopicConfig.CLEANUP_POLICY_CONFIG);
    if (policy != null && !TopicConfig.CLEANUP_POLICY_COMPACT.equals(policy.value())) {
      throw new IllegalStateException("Schema registry topic '" + topic.name() + "' has "
          + TopicConfig.CLEANUP_POLICY_CONFIG + "=" + policy.value() + "; it must be '"
          + TopicConfig.CLEANUP_POLICY_COMPACT + "' so no schema is ever deleted");
    }
  }

  private static Optional<TopicDescription> describe(Admin admin, String topic, Duration timeout)
      throws ExecutionException, TimeoutException, InterruptedException {
    try {
      return Optional.of(admin.describeTopics(List.of(topic)).allTopicNames()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(topic));
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        return Optional.empty();
      }
      throw e;
    }
  }
}
