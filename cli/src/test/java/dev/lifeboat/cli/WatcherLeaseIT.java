package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatConfig.ClusterConfig;
import dev.lifeboat.config.LifeboatConfig.KafkaConfig;
import dev.lifeboat.config.LifeboatConfig.StatusConfig;
import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.config.LifeboatConfig.StoresConfig;
import dev.lifeboat.events.v1.ChangeType;
import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.lease.Leadership;
import dev.lifeboat.lease.LeaseConfig;
import dev.lifeboat.observe.Health;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import dev.lifeboat.watcher.WatcherConfig;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two watchers of one cluster with leaderElection on, as two replicas of its Deployment: only the
 * holder of the lease publishes; when it goes, the standby takes over and every change made before,
 * during and after the handover is on {@code lifeboat.resource-changes} (no gap), each object's
 * latest version and a delete included.
 */
@LifeboatIntegrationTest
class WatcherLeaseIT {
  private static final String LEASE = "lease:lifeboat-watcher";
  private final TestStack stack;
  private final String cluster = "wlease-" + UUID.randomUUID().toString().substring(0, 8);

  WatcherLeaseIT(TestStack stack) {
    this.stack = stack;
  }

  @Test
  void theStandbyTakesOverWhenTheHolderStopsAndNoChangeIsMissing(@TempDir Path dataDir) throws Exception {
    String namespace = cluster;
    KubernetesClient api = stack.stack().kubernetes().orElseThrow().client();
    api.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build()).create();
    LifeboatConfig config = config(dataDir, namespace);
    LifeboatProcess first = new LifeboatProcess(config, "wlease-it-1").only(Set.of("watcher")).start();
    LifeboatProcess second = new LifeboatProcess(config, "wlease-it-2").only(Set.of("watcher")).start();
    try {
      await(() -> holding(first) || holding(second), Duration.ofSeconds(30));
      LifeboatProcess holder = holding(first) ? first : second;
      LifeboatProcess standby = holder == first ? second : first;
      assertThat(detail(standby)).contains("standing by");

      Map<String, String> expected = new HashMap<>(); // name -> latest value
      for (int i = 0; i < 20; i++) {
        write(api, namespace, "before-" + i, "v1", expected);
      }
      await(() -> published(namespace).keySet().containsAll(expected.keySet()), Duration.ofSeconds(30));

      holder.close(); // a rolling update or a drained node: the holder stops and releases the lease
      for (int i = 0; i < 20; i++) {
        write(api, namespace, "during-" + i, "v1", expected); // while no one or the new holder watches
        write(api, namespace, "before-" + i, "v2", expected); // changed while the watchers change hands
      }
      await(() -> holding(standby), Duration.ofSeconds(15));
      for (int i = 0; i < 20; i++) {
        write(api, namespace, "after-" + i, "v1", expected);
      }
      api.configMaps().inNamespace(namespace).withName("during-0").delete();
      expected.remove("during-0");

      await(() -> published(namespace).equals(expected), Duration.ofSeconds(60));
      assertThat(published(namespace)).as("the latest published state of every ConfigMap of %s", namespace)
          .isEqualTo(expected);
      assertThat(holding(holder)).isFalse();
      // one handover, and no lease lost on the way: a watcher slow to start must not miss its renewals
      assertThat(api.leases().inNamespace(namespace).withName("lifeboat-watcher").get().getSpec().getLeaseTransitions())
          .as("times the lease changed hands").isEqualTo(1);
    } finally {
      first.close();
      second.close();
    }
  }

  private static void write(KubernetesClient api, String namespace, String name, String value, Map<String, String> expected) {
    api.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder().withNewMetadata().withName(name)
        .withNamespace(namespace).endMetadata().addToData("value", value).build()).serverSideApply();
    expected.put(name, value);
  }

  /** The latest published value of every ConfigMap of the namespace, read up to the topic's end offsets (a marker). */
  private Map<String, String> published(String namespace) {
    AvroDeserializer<Object> avro = new AvroDeserializer<>(stack.registry());
    Map<String, String> latest = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer = stack.kafka().consumer("wlease-it-" + UUID.randomUUID())) {
      List<TopicPartition> partitions = consumer.partitionsFor(Topics.RESOURCE_CHANGES).stream()
          .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Instant deadline = Instant.now().plusSeconds(30);
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        assertThat(Instant.now()).as("read up to the end offsets %s", end).isBefore(deadline);
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.value() == null || r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) {
            continue;
          }
          Object value = avro.decode(r.topic(), r.partition(), r.offset(), r.value());
          if (value instanceof ResourceChanged c && c.getHeader().getCluster().equals(cluster)
              && c.getKind().equals("ConfigMap") && namespace.equals(c.getNamespace())) {
            if (c.getType() == ChangeType.DELETED) {
              latest.remove(c.getName());
            } else {
              latest.put(c.getName(), valueOf(c.getObject()));
            }
          }
        }
      }
    }
    return latest;
  }

  private static String valueOf(java.nio.ByteBuffer json) {
    String object = json == null ? "" : java.nio.charset.StandardCharsets.UTF_8.decode(json.duplicate()).toString();
    int at = object.indexOf("\"value\":\"");
    return at < 0 ? "" : object.substring(at + 9, object.indexOf('"', at + 9));
  }

  private LifeboatConfig config(Path dataDir, String namespace) {
    LifeboatConfig demo = DemoConfig.of(stack.stack().endpoints(), dataDir, 0);
    StoreConfig p = demo.stores().primary();
    StoreConfig primary = new StoreConfig(p.name(), p.endpoint(), p.bucket(), cluster, p.accessKey(), p.secretKey(), p.region());
    return new LifeboatConfig(new ClusterConfig(cluster),
        new KafkaConfig(stack.kafka().bootstrapServers(), cluster + "-", 1, KafkaClients.DEFAULT_COMPRESSION, Map.of()),
        demo.registry(), new StoresConfig(primary, List.of()), demo.kubernetes(), Optional.empty(), new StatusConfig("127.0.0.1", 0),
        demo.encryption(), demo.repository(), demo.retention())
        .with(WatcherConfig.SECTION, new WatcherConfig(true, List.of("ConfigMap"), List.of(), List.of(namespace), List.of(), null,
            true, Duration.ofMinutes(1), List.of(), 10_000, "lz4", List.of()))
        .with(LeaseConfig.SECTION, new LeaseConfig(true, new Leadership.Settings(namespace, Duration.ofSeconds(3),
            Duration.ofSeconds(2), Duration.ofMillis(300))));
  }

  private static boolean holding(LifeboatProcess process) {
    return detail(process).startsWith("holding");
  }

  private static String detail(LifeboatProcess process) {
    Health.Status status = process.health().components().get(LEASE);
    return status == null ? "" : status.detail();
  }

  private static void await(BooleanSupplier condition, Duration within) {
    Awaitility.await().atMost(within).pollInterval(Duration.ofMillis(200)).until(condition::getAsBoolean);
  }
}
