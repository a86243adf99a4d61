package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.embedded.Endpoints;
import dev.lifeboat.events.v1.ChangeLogSegmentArchived;
import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.registry.HttpSchemaRegistryClient;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.topics.Topics;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Objects as large as the API server stores (a 1.4 MiB ConfigMap, a Secret of 1 MiB that grows when
 * sealed) go through the whole pipeline: watched, on lifeboat.resource-changes, in a resource
 * snapshot and in the change-log archive, and back by a restore from either, byte for byte.
 */
class LargeObjectsIT {
  @TempDir
  Path dataDir;

  @Test
  void aConfigMapOf14MiBAndASecretOf1MiBComeBackByteIdenticalFromASnapshotAndFromTheChangeLog() throws Exception {
    try (Demo demo = Demo.start(dataDir, true, Duration.ZERO)) {
      KubernetesClient kube = demo.stack().kubernetes().orElseThrow().client();
      String ns = "big-" + UUID.randomUUID().toString().substring(0, 6);
      kube.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
      String text = Base64.getEncoder().encodeToString(random(1_050_000, 1)); // ~1.4 MiB of base64 text
      byte[] secret = random(1024 * 1024, 2);
      kube.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("large").endMetadata()
          .addToData("payload", text).build()).create();
      kube.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("large").endMetadata()
          .addToData("key", Base64.getEncoder().encodeToString(secret)).build()).create();
      Endpoints endpoints = demo.endpoints();

      List<Positioned<ResourceChanged>> changes = read(endpoints, Topics.RESOURCE_CHANGES, ResourceChanged.class,
          l -> l.stream().filter(c -> ns.equals(c.value().getNamespace())).count() >= 2);
      List<Positioned<ResourceChanged>> mine = changes.stream().filter(c -> ns.equals(c.value().getNamespace())).toList();
      assertThat(mine).extracting(c -> c.value().getKind()).as("both large objects reached the topic")
          .containsExactlyInAnyOrder("ConfigMap", "Secret");

      CliRun snapshot = CliRun.lifeboat("snapshots", "now", "--data-dir", dataDir.toString(), "--kind", "resources", "--target", ns,
          "--wait", "--timeout", "120s");
      assertThat(snapshot.exit()).as(snapshot.toString()).isZero();
      String id = read(endpoints, Topics.SNAPSHOTS, SnapshotCompleted.class, l -> l.stream().anyMatch(s -> isOf(s.value(), ns)))
          .stream().map(Positioned::value).filter(s -> isOf(s, ns)).reduce((a, b) -> b).orElseThrow().getSnapshotId();

      CliRun fromSnapshot = CliRun.lifeboat("restore", "--data-dir", dataDir.toString(), "--snapshot", id, "-n", ns,
          "--map", ns + "=" + ns + "-snap", "--wait", "--timeout", "120s");
      assertThat(fromSnapshot.exit()).as(fromSnapshot.toString()).isZero();
      assertRestored(kube, ns + "-snap", text, secret);

      // the latest state: the newest whole-cluster snapshot and the change log after it, once the log holds both changes
      read(endpoints, Topics.SNAPSHOTS, ChangeLogSegmentArchived.class, segments -> mine.stream().allMatch(change ->
          segments.stream().map(Positioned::value).anyMatch(s -> s.getPartition() == change.partition()
              && s.getFirstOffset() <= change.offset() && change.offset() <= s.getLastOffset())));
      CliRun latest = CliRun.lifeboat("restore", "--data-dir", dataDir.toString(), "-n", ns, "--map", ns + "=" + ns + "-latest",
          "--wait", "--timeout", "120s");
      assertThat(latest.exit()).as(latest.toString()).isZero();
      assertRestored(kube, ns + "-latest", text, secret);
    }
  }

  private static boolean isOf(SnapshotCompleted s, String target) {
    return s.getKind() == SnapshotKind.RESOURCES && target.equals(s.getTarget());
  }

  private static void assertRestored(KubernetesClient kube, String ns, String text, byte[] secret) {
    ConfigMap configMap = kube.configMaps().inNamespace(ns).withName("large").get();
    assertThat(configMap).as("the ConfigMap restored into %s", ns).isNotNull();
    assertThat(configMap.getData().get("payload")).as("byte for byte").isEqualTo(text);
    Secret restored = kube.secrets().inNamespace(ns).withName("large").get();
    assertThat(restored).as("the Secret restored into %s", ns).isNotNull();
    assertThat(Base64.getDecoder().decode(restored.getData().get("key"))).as("byte for byte").isEqualTo(secret);
  }

  private static byte[] random(int length, long seed) {
    byte[] bytes = new byte[length];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }


  /** A record's value and where it is on its topic. */
  private record Positioned<T>(int partition, long offset, T value) {}

  private static <T> List<Positioned<T>> read(Endpoints endpoints, String topic, Class<T> type, Predicate<List<Positioned<T>>> until) {
    KafkaClients kafka = new KafkaClients(endpoints.kafkaBootstrapServers());
    AvroDeserializer<Object> deserializer = new AvroDeserializer<>(new HttpSchemaRegistryClient(endpoints.schemaRegistryUrl()));
    List<Positioned<T>> values = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = kafka.consumer("large-it-" + UUID.randomUUID())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (!until.test(values) && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> {
          Object value = deserializer.decode(r.topic(), r.partition(), r.offset(), r.value());
          if (type.isInstance(value)) {
            values.add(new Positioned<>(r.partition(), r.offset(), type.cast(value)));
          }
        });
      }
    }
    return values;
  }
}
