package dev.lifeboat.watcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.config.EncryptionConfig;
import dev.lifeboat.embedded.EmbeddedKafka;
import dev.lifeboat.embedded.LocalKubernetes;
import dev.lifeboat.embedded.Ports;
import dev.lifeboat.embedded.apiserver.ApiCall;
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
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watcher keeps no copy of the objects it watches: an object that waits in the backlog (Kafka
 * had no room for it) is published as the API holds it when Kafka takes records again, read with a
 * GET of that one object, and one the API no longer has (404) is published DELETED.
 */
@LifeboatIntegrationTest
class WatcherReadsTheApiIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  private final TestStack stack;
  private final WatcherFixture fx;
  private final LocalKubernetes kubernetes;

  WatcherReadsTheApiIT(TestStack stack) {
    this.stack = stack;
    this.fx = new WatcherFixture(stack);
    this.kubernetes = stack.stack().kubernetes().orElseThrow();
  }

  @Test
  void anObjectWaitingInTheBacklogIsReadFromTheApiWithAGetAndPublishedInItsLatestState() throws Exception {
    int port = Ports.free();
    EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), port);
    KafkaClients kafka = new KafkaClients(broker.bootstrapServers());
    Bootstrap.prepare(kafka, stack.registry(), (short) 1);
    var configMaps = fx.kube().configMaps().inNamespace(fx.namespace);
    for (String name : List.of("a", "b", "c")) {
      configMaps.resource(new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata().addToData("v", "1").build())
          .create();
    }
    String user = "watcher-" + fx.cluster;
    Path kubeconfig = kubernetes.writeKubeconfig(dir.resolve("kubeconfig"), user);
    WatcherConfig d = fx.config();
    // one record in flight at most: while the broker is away, every further change waits in the backlog
    WatcherConfig config = new WatcherConfig(true, d.includeKinds(), d.excludeKinds(), d.includeNamespaces(),
        d.excludeNamespaces(), null, true, d.rediscoverEvery(), d.sensitiveKinds(), 1, d.compression(), List.of());
    try (KubernetesClient client = new KubernetesClientBuilder()
        .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build()) {
      Watcher watcher = Watcher.start(client, config, Optional.of(new EncryptionConfig("k1", Map.of("k1", WatcherFixture.KEY))),
          new Watcher.Services(kafka, stack.registry(), new EventFactory(fx.cluster, "watcher", Clock.systemUTC()), fx.meters,
              new Health(Clock.systemUTC()), null, Clock.systemUTC()));
      try {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(watcher::synced);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
          watcher.flush();
          return watcher.backlog() == 0 && lastRecords(kafka).size() == 3;
        });

        kubernetes.recordCalls();
        broker.close();
        configMaps.withName("a").edit(cm -> new ConfigMapBuilder(cm).addToData("v", "2").build()); // the one record in flight
        configMaps.withName("b").edit(cm -> new ConfigMapBuilder(cm).addToData("v", "2").build());
        configMaps.withName("c").delete();
        Awaitility.await("b and c wait in the backlog").atMost(Duration.ofSeconds(30)).until(() -> watcher.backlog() == 2);
        configMaps.withName("b").edit(cm -> new ConfigMapBuilder(cm).addToData("v", "3").build());

        broker = EmbeddedKafka.start(dir.resolve("kafka"), port);
        Awaitility.await("the backlog drains once the broker is back").atMost(Duration.ofSeconds(120)).until(() -> {
          watcher.flush();
          return watcher.backlog() == 0;
        });
        watcher.flush();

        Map<String, ResourceChanged> last = lastRecords(kafka);
        assertThat(data(last.get("a")).path("v").asText()).isEqualTo("2");
        assertThat(data(last.get("b")).path("v").asText()).as("b as the API holds it now").isEqualTo("3");
        assertThat(last.get("c").getType()).isEqualTo(ChangeType.DELETED);
        List<ApiCall> reads = kubernetes.calls().stream()
            .filter(c -> c.user().equals(user) && c.verb().equals("get") && c.resource().equals("configmaps")).toList();
        assertThat(reads).extracting(ApiCall::namespace).containsOnly(fx.namespace);
        assertThat(reads).extracting(ApiCall::name).as("b and c were read back from the API").contains("b", "c");
      } finally {
        watcher.close();
        broker.close();
      }
    }
  }

  private static JsonNode data(ResourceChanged record) throws Exception {
    assertThat(record).isNotNull();
    assertThat(record.getType()).isNotEqualTo(ChangeType.DELETED);
    return JSON.readTree(record.getObject().array()).path("data");
  }

  /** The last record of each of this fixture's ConfigMaps, read up to the topic's end offsets. */
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
}
