package dev.lifeboat.schemas.topics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.schemas.testing.KafkaClusterExtension;
import dev.lifeboat.schemas.topics.TopicSpec.CleanupPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class TopicCreatorIT {
  @RegisterExtension
  static final KafkaClusterExtension kafka = new KafkaClusterExtension();
  private static Admin admin;

  @BeforeAll
  static void start() {
    admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
  }

  @AfterAll
  static void stop() {
    admin.close();
  }

  @Test
  void createsEveryTopicOfTheCatalogOnceWithItsSettings() throws Exception {
    TopicCreator creator = new TopicCreator(admin, (short) 1);

    TopicCreator.Report first = creator.ensure(TopicCatalog.standard().all());
    TopicCreator.Report second = creator.ensure(TopicCatalog.standard().all());

    assertThat(first.created()).containsExactlyInAnyOrder(
        Topics.RESOURCE_CHANGES, Topics.RESOURCE_STATE, Topics.VOLUME_EVENTS, Topics.SNAPSHOT_REQUESTS, Topics.SNAPSHOTS,
        Topics.REPLICATIONS, Topics.VERIFICATIONS, Topics.COMMANDS, Topics.AUDIT, Topics.DLQ);
    assertThat(first.matches()).isTrue();
    assertThat(second.created()).isEmpty();
    assertThat(second.existing()).hasSize(10);
    assertThat(second.matches()).isTrue();

    var state = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, Topics.RESOURCE_STATE)))
        .all().get().values().iterator().next();
    assertThat(state.get("cleanup.policy").value()).isEqualTo("compact");
    assertThat(admin.describeTopics(List.of(Topics.RESOURCE_CHANGES)).allTopicNames().get()
        .get(Topics.RESOURCE_CHANGES).partitions()).hasSize(6);
  }

  @Test
  void reportsButNeverAltersATopicThatDiffersFromTheCatalog() throws Exception {
    admin.createTopics(List.of(new NewTopic("test.drifted", 2, (short) 1)
        .configs(Map.of("retention.ms", "1000")))).all().get();
    TopicSpec spec = new TopicSpec("test.drifted", "k", null, 4, CleanupPolicy.COMPACT, Duration.ofDays(1), "");

    TopicCreator.Report report = new TopicCreator(admin, (short) 1).ensure(List.of(spec));

    assertThat(report.created()).isEmpty();
    assertThat(report.differences()).extracting(TopicCreator.Difference::toString).containsExactlyInAnyOrder(
        "test.drifted: partitions is 2, the catalog declares 4",
        "test.drifted: cleanup.policy is delete, the catalog declares compact",
        "test.drifted: retention.ms is 1000, the catalog declares 86400000");
    assertThat(admin.describeTopics(List.of("test.drifted")).allTopicNames().get().get("test.drifted").partitions()).hasSize(2);
  }

  @Test
  void createsTopicsWithTheirMinInSyncReplicasAndRecordSizeLimitAndRaisesALowerLimitOfAnExistingTopic() throws Exception {
    admin.createTopics(List.of(new NewTopic("test.small", 1, (short) 1).configs(Map.of("max.message.bytes", "1000")))).all().get();
    TopicSpec small = new TopicSpec("test.small", "k", null, 1, CleanupPolicy.DELETE, null, "").withMaxMessageBytes(8 << 20);
    TopicSpec fresh = new TopicSpec("test.fresh", "k", null, 1, CleanupPolicy.DELETE, null, "").withMaxMessageBytes(8 << 20);

    TopicCreator.Report report = new TopicCreator(admin, (short) 1, 1).ensure(List.of(small, fresh));

    assertThat(report.created()).containsExactly("test.fresh");
    assertThat(report.raised()).containsExactly("test.small");
    assertThat(report.matches()).isTrue();
    for (String topic : List.of("test.small", "test.fresh")) {
      var config = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, topic))).all().get()
          .values().iterator().next();
      assertThat(config.get("max.message.bytes").value()).as(topic).isEqualTo(Integer.toString(8 << 20));
    }
    var fresh1 = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, "test.fresh"))).all().get()
        .values().iterator().next();
    assertThat(fresh1.get(TopicCreator.MIN_INSYNC_REPLICAS).value()).isEqualTo("1");
    assertThat(fresh1.get(TopicCreator.MIN_INSYNC_REPLICAS).source()).isEqualTo(
        org.apache.kafka.clients.admin.ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
  }

  @Test
  void reportsATopicWithFewerReplicasThanConfigured() throws Exception {
    admin.createTopics(List.of(new NewTopic("test.thin", 1, (short) 1))).all().get();
    TopicSpec spec = new TopicSpec("test.thin", "k", null, 1, CleanupPolicy.DELETE, null, "");

    // a creator configured for 3 replicas (it creates nothing here: the topic exists)
    TopicCreator.Report report = new TopicCreator(admin, (short) 3, 2).ensure(List.of(spec));

    assertThat(report.differences()).extracting(TopicCreator.Difference::toString).contains(
        "test.thin: replication factor is 1, the catalog declares 3",
        "test.thin: min.insync.replicas is 1, the catalog declares 2");
  }

  @Test
  void refusesAMinInSyncReplicasAboveTheReplicationFactor() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new TopicCreator(admin, (short) 1, 2))
        .hasMessageContaining("min.insync.replicas must be 1 to the replication factor 1, was 2");
    assertThat(TopicCreator.defaultMinInSync(3)).isEqualTo(2);
    assertThat(TopicCreator.defaultMinInSync(1)).isEqualTo(1);
  }
}
