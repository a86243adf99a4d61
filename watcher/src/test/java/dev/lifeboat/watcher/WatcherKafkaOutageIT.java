package dev.lifeboat.watcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.config.EncryptionConfig;
import dev.lifeboat.watcher.WatcherConfig;
import dev.lifeboat.embedded.EmbeddedKafka;
import dev.lifeboat.embedded.Ports;
import dev.lifeboat.events.v1.ChangeType;
import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.observe.Health;
import dev.lifeboat.runtime.Bootstrap;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import dev.lifeboat.testing.TopicEnd;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka refuses the watcher's records, for longer than the producer's delivery timeout or for good
 * until an operator acts: once it takes records again, the topic's last record of every object is
 * the object as the API holds it, and deleted objects end in DELETED. A broker of its own, so it
 * can be stopped without disturbing other tests.
 */
@LifeboatIntegrationTest
class WatcherKafkaOutageIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  private final TestStack stack;
  private final WatcherFixture fx;

  WatcherKafkaOutageIT(TestStack stack) {
    this.stack = stack;
    this.fx = new WatcherFixture(stack);
  }

  @Test
  void changesMadeWhileTheBrokerIsDownLongerThanTheDeliveryTimeoutAllReachTheTopicOnceItIsBack() throws Exception {
    int port = Ports.free();
    EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), port);
    KafkaClients kafka = new KafkaClients(broker.bootstrapServers());
    Bootstrap.prepare(kafka, stack.registry(), (short) 1);
    Health health = new Health(Clock.systemUTC());
    var configMaps = fx.kube().configMaps().inNamespace(fx.namespace);
    for (int i = 0; i < 10; i++) {
      configMaps.resource(configMap("before-" + i, "1")).create();
    }
    int maxInFlight = 4;
    Watcher watcher = start(kafka, health, maxInFlight);
    try {
      awaitLastRecordsMatchTheApi(kafka, watcher);

      broker.close();
      for (int i = 0; i < 10; i++) {
        String name = "before-" + i;
        if (i % 3 == 0) {
          configMaps.withName(name).delete();
        } else {
          configMaps.withName(name).edit(cm -> new ConfigMapBuilder(cm).addToData("v", "2").build());
        }
      }
      for (int i = 0; i < 20; i++) {
        configMaps.resource(configMap("during-" + i, "1")).create();
      }
      Awaitility.await("Kafka refuses, and the health says so").atMost(Duration.ofSeconds(60)).until(() ->
          health.components().get(PublishFailures.KAFKA).state() == Health.State.DEGRADED);
      // changes keep coming while Kafka refuses: they wait as identities, at most maxInFlight records in flight
      for (int i = 0; i < 20; i++) {
        String name = "during-" + i;
        configMaps.withName(name).edit(cm -> new ConfigMapBuilder(cm).addToData("v", "3").build());
      }
      configMaps.withName("during-0").delete();
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> watcher.backlog() > 0);
      assertThat(fx.meters.get("lifeboat.watcher.in.flight").tag("producer", "lifeboat-watcher-" + fx.cluster).gauge().value()).isLessThanOrEqualTo(maxInFlight);
      assertThat(watcher.backlog()).isLessThanOrEqualTo(30);

      broker = EmbeddedKafka.start(dir.resolve("kafka"), port);
      Awaitility.await("the backlog drains once the broker is back").atMost(Duration.ofSeconds(120))
          .until(() -> watcher.backlog() == 0 && health.components().get(PublishFailures.KAFKA).state() == Health.State.UP);
      awaitLastRecordsMatchTheApi(kafka, watcher);
    } finally {
      watcher.close();
      broker.close();
    }
  }

  @Test
  void aRecordTheTopicRefusesUntilAnOperatorRaisesItsLimitIsPublishedOnceItIsRaised() throws Exception {
    EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), 0);
    KafkaClients kafka = new KafkaClients(broker.bootstrapServers());
    Bootstrap.prepare(kafka, stack.registry(), (short) 1);
    Health health = new Health(Clock.systemUTC());
    ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, Topics.RESOURCE_CHANGES);
    try (Admin admin = kafka.admin()) {
      setMaxMessageBytes(admin, topic, "2000");
      Watcher watcher = start(kafka, health, 100);
      try {
        var configMaps = fx.kube().configMaps().inNamespace(fx.namespace);
        configMaps.resource(configMap("small", "1")).create();
        configMaps.resource(configMap("big", random(50_000))).create();
        Awaitility.await("the topic refuses the big record").atMost(Duration.ofSeconds(60)).until(() ->
            health.components().get(PublishFailures.KAFKA).state() == Health.State.DEGRADED);
        configMaps.withName("big").edit(cm -> new ConfigMapBuilder(cm).addToData("v", random(60_000)).build());

        setMaxMessageBytes(admin, topic, Integer.toString(8 * 1024 * 1024));
        Awaitility.await("the big object is published").atMost(Duration.ofSeconds(120))
            .until(() -> watcher.backlog() == 0 && health.components().get(PublishFailures.KAFKA).state() == Health.State.UP);
        awaitLastRecordsMatchTheApi(kafka, watcher);
      } finally {
        watcher.close();
      }
    } finally {
      broker.close();
    }
  }

  private Watcher start(KafkaClients kafka, Health health, int maxInFlight) {
    WatcherConfig d = fx.config();
    WatcherConfig config = new WatcherConfig(true, d.includeKinds(), d.excludeKinds(), d.includeNamespaces(),
        d.excludeNamespaces(), null, true, d.rediscoverEvery(), d.sensitiveKinds(), maxInFlight, d.compression(), List.of())
        .withDeliveryTimeout(Duration.ofSeconds(2));
    Watcher watcher = Watcher.start(fx.kube(), config, Optional.of(new EncryptionConfig("k1", Map.of("k1", WatcherFixture.KEY))),
        new Watcher.Services(kafka, stack.registry(), new EventFactory(fx.cluster, "watcher", Clock.systemUTC()),
            fx.meters, health, null, Clock.systemUTC()));
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(watcher::synced);
    return watcher;
  }

  /**
   * The last record of every ConfigMap of the namespace, read up to the topic's end offsets, is the
   * object as the API holds it now; an object the API no longer holds ends in DELETED.
   */
  private void awaitLastRecordsMatchTheApi(KafkaClients kafka, Watcher watcher) {
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      watcher.flush();
      Map<String, ResourceChanged> last = lastRecords(kafka);
      Map<String, ConfigMap> live = fx.kube().configMaps().inNamespace(fx.namespace).list().getItems().stream()
          .collect(Collectors.toMap(cm -> cm.getMetadata().getName(), cm -> cm));
      for (ConfigMap cm : live.values()) {
        ResourceChanged record = last.get(cm.getMetadata().getName());
        assertThat(record).as("a record of %s", cm.getMetadata().getName()).isNotNull();
        assertThat(record.getType()).isNotEqualTo(ChangeType.DELETED);
        JsonNode published = JSON.readTree(record.getObject().array());
        assertThat(published.path("metadata").path("resourceVersion").asText())
            .as("%s is published as the API holds it", cm.getMetadata().getName())
            .isEqualTo(cm.getMetadata().getResourceVersion());
        assertThat(JSON.convertValue(published.path("data"), Map.class)).isEqualTo(cm.getData());
      }
      Set<String> gone = last.keySet().stream().filter(name -> !live.containsKey(name)).collect(Collectors.toSet());
      for (String name : gone) {
        assertThat(last.get(name).getType()).as("%s was deleted", name).isEqualTo(ChangeType.DELETED);
      }
    });
  }

  private Map<String, ResourceChanged> lastRecords(KafkaClients kafka) {
    AvroDeserializer<Object> deserializer = new AvroDeserializer<>(stack.registry());
    Map<String, ResourceChanged> last = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : TopicEnd.readToEnd(kafka, Topics.RESOURCE_CHANGES)) {
      ResourceChanged change = (ResourceChanged) deserializer.decode(r.topic(), r.partition(), r.offset(), r.value());
      if (fx.isMine(change) && fx.namespace.equals(change.getNamespace()) && change.getKind().equals("ConfigMap")) {
        last.put(change.getName(), change);
      }
    }
    return last;
  }

  private static void setMaxMessageBytes(Admin admin, ConfigResource topic, String value) throws Exception {
    admin.incrementalAlterConfigs(Map.of(topic, List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes", value),
        AlterConfigOp.OpType.SET)))).all().get();
  }

  /** Text that compression cannot shrink much. */
  private static String random(int length) {
    byte[] bytes = new byte[length * 3 / 4];
    new java.util.Random(length).nextBytes(bytes);
    return java.util.Base64.getEncoder().encodeToString(bytes);
  }

  private static ConfigMap configMap(String name, String value) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata().addToData("v", value).build();
  }
}
