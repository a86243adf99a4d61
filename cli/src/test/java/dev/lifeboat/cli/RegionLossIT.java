package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.cli.client.ExitCodes;
import dev.lifeboat.embedded.EmbeddedS3;
import dev.lifeboat.embedded.EmbeddedStack;
import dev.lifeboat.embedded.Endpoints;
import dev.lifeboat.embedded.LocalKubernetes;
import dev.lifeboat.events.v1.ChangeLogSegmentReplicated;
import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotReplicated;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.registry.HttpSchemaRegistryClient;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.testing.TopicEnd;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disaster the off-region copy exists for: the protected cluster, its Kafka and its primary
 * store are gone, their data deleted. From the off-region store, the master key and the data key
 * alone, two applications of the demo (one with custom resources, both with a volume) are restored
 * into a new, empty cluster by {@code lifeboat restore --direct}, with no Kafka anywhere: every
 * object compared with the source, the volume's files compared with the source's, the recovery
 * point and the time taken reported.
 */
class RegionLossIT {
  private static final List<String> APPS = List.of("shop", "analytics");
  private static final List<String> KINDS = List.of("v1/ConfigMap", "v1/Secret", "apps/v1/Deployment", "v1/Service",
      "v1/PersistentVolumeClaim", "demo.lifeboat.dev/v1/Database");

  @TempDir
  Path dataDir;

  @TempDir
  Path drDir;

  @Test
  void fromTheOffRegionStoreAloneTwoApplicationsAndTheirDataComeBackIntoANewCluster() throws Exception {
    Map<String, Object> source;
    String shopClaim;
    Instant lastChange;
    try (Demo demo = Demo.start(dataDir, true, Duration.ZERO)) {
      Endpoints endpoints = demo.endpoints();
      KubernetesClient kube = demo.stack().kubernetes().orElseThrow().client();
      // the last change before the region is lost: once the off-region copy holds it, it holds all before it
      String marker = "region-loss-marker";
      kube.configMaps().inNamespace("shop").resource(new ConfigMapBuilder().withNewMetadata().withName(marker).endMetadata()
          .addToData("at", Instant.now().toString()).build()).create();
      ConsumerRecord<byte[], byte[]> markerRecord = awaitRecord(endpoints, Topics.RESOURCE_CHANGES,
          (ResourceChanged c) -> c.getName().equals(marker));
      lastChange = Instant.ofEpochMilli(markerRecord.timestamp());
      awaitRecord(endpoints, Topics.REPLICATIONS, (ChangeLogSegmentReplicated r) -> r.getStore().equals("offsite")
          && r.getCluster().equals("demo") && r.getPartition() == markerRecord.partition()
          && r.getLastOffset() >= markerRecord.offset());
      shopClaim = kube.persistentVolumeClaims().inNamespace("shop").withName("shop-data").get().getMetadata().getUid();
      awaitRecord(endpoints, Topics.REPLICATIONS, (SnapshotReplicated r) -> r.getStore().equals("offsite")
          && r.getKind() == SnapshotKind.VOLUME && r.getTarget().equals(shopClaim));
      source = capture(kube);
    }
    assertThat(source).as("per application: a config map, a secret, two deployments, a service, a claim, a database;"
        + " and the marker").hasSize(2 * 7 + 1);

    // The region is lost: Kafka, the primary store and the cluster's own etcd with it. What survives is
    // the off-region bucket and the keys, kept apart from the region.
    Path keys = drDir.resolve("keys");
    copyTree(dataDir.resolve("keys"), keys);
    Path offsiteData = drDir.resolve("s3-offsite");
    copyTree(dataDir.resolve("s3-offsite"), offsiteData);
    deleteTree(dataDir);

    try (EmbeddedS3 offsite = EmbeddedS3.start("offsite", offsiteData, 0, EmbeddedStack.ACCESS_KEY,
        EmbeddedStack.SECRET_KEY, List.of(EmbeddedStack.OFFSITE_BUCKET, "lifeboat-dr"));
        LocalKubernetes dr = LocalKubernetes.start(0)) {
      Path config = drConfig(offsite, dr.writeKubeconfig(drDir.resolve("kubeconfig")), keys);

      CliRun listed = CliRun.lifeboat("snapshots", "list", "-c", config.toString(), "--store", "offsite");
      assertThat(listed.exit()).as(listed.toString()).isZero();
      assertThat(listed.out()).contains(shopClaim, "volume");

      CliRun restore = CliRun.lifeboat("restore", "--direct", "--store", "offsite", "--source-cluster", "demo",
          "-c", config.toString(), "-n", String.join(",", APPS), "--target-cluster", LocalKubernetes.CONTEXT);
      assertThat(restore.exit()).as(restore.toString()).isEqualTo(ExitCodes.OK);
      assertThat(restore.out()).contains("SUCCEEDED restore", "no Kafka is used", "recoveryPoint=", "took=PT");
      Instant recoveryPoint = Instant.parse(detail(restore, "recoveryPoint"));
      assertThat(recoveryPoint).as("the recovery point reached is the last change made").isEqualTo(lastChange);

      assertThat(capture(dr.client())).isEqualTo(source);

      String volumeSnapshot = listed.out().lines().filter(l -> l.contains(shopClaim) && l.contains("volume"))
          .map(l -> l.trim().split("\\s+")[0]).reduce((a, b) -> b).orElseThrow();
      Path restored = drDir.resolve("restored-shop-data");
      CliRun volume = CliRun.lifeboat("restore", "--direct", "--store", "offsite", "--source-cluster", "demo",
          "-c", config.toString(), "--kind", "volume", "--snapshot", volumeSnapshot, "--target-path", restored.toString());
      assertThat(volume.exit()).as(volume.toString()).isEqualTo(ExitCodes.OK);
      assertThat(files(restored)).containsOnlyKeys("PG_VERSION", "base/16384");
      assertThat(files(restored).get("PG_VERSION")).isEqualTo("16\n".getBytes());
      byte[] table = new byte[2 << 20];
      new java.util.Random("shop".hashCode()).nextBytes(table);
      assertThat(files(restored).get("base/16384")).as("the volume's data file, byte for byte").isEqualTo(table);
    }
  }

  /** The configuration of a Lifeboat in the recovery region: its own new store, the surviving copy as a store, the keys. */
  private static Path drConfig(EmbeddedS3 s3, Path kubeconfig, Path keys) throws IOException {
    String yaml = "cluster:\n  name: recovery\n"
        + "kafka:\n  bootstrapServers: 127.0.0.1:9\n  replicationFactor: 1\n"
        + "registry:\n  url: http://127.0.0.1:9\n"
        + "stores:\n"
        + "  primary:\n" + store("    ", s3, "lifeboat-dr")
        + "  offsite:\n    - name: offsite\n" + store("      ", s3, EmbeddedStack.OFFSITE_BUCKET)
        + "kubernetes:\n  kubeconfig: " + kubeconfig + "\n"
        + "repository:\n  masterKey: " + Files.readString(keys.resolve("repository-master.key")).trim() + "\n"
        + "encryption:\n  activeKey: " + DemoKeys.KEY_ID + "\n  keys:\n    - id: " + DemoKeys.KEY_ID + "\n      key: "
        + Files.readString(keys.resolve(DemoKeys.KEY_ID + ".key")).trim() + "\n";
    Path file = kubeconfig.resolveSibling("lifeboat.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  private static String store(String indent, EmbeddedS3 s3, String bucket) {
    return indent + "endpoint: " + s3.endpoint() + "\n" + indent + "bucket: " + bucket + "\n" + indent + "accessKey: "
        + s3.accessKey() + "\n" + indent + "secretKey: " + s3.secretKey() + "\n";
  }

  /**
   * What must come back of the applications, object by object: labels and content, without what an
   * API server assigns (uids, versions, times, status, a Service's cluster IP, a claim's volume).
   */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> capture(KubernetesClient client) {
    Map<String, Object> objects = new TreeMap<>();
    for (String ns : APPS) {
      for (String apiKind : KINDS) {
        int slash = apiKind.lastIndexOf('/');
        for (GenericKubernetesResource r : client.genericKubernetesResources(apiKind.substring(0, slash),
            apiKind.substring(slash + 1)).inNamespace(ns).list().getItems()) {
          Map<String, Object> body = new TreeMap<>(r.getAdditionalProperties());
          body.remove("status");
          Map<String, Object> spec = (Map<String, Object>) body.get("spec");
          if (spec != null) {
            spec = new TreeMap<>(spec);
            spec.remove("clusterIP");
            spec.remove("clusterIPs");
            spec.remove("volumeName");
            body.put("spec", spec);
          }
          body.put("labels", Optional.ofNullable(r.getMetadata().getLabels()).map(TreeMap::new).orElse(new TreeMap<>()));
          objects.put(apiKind + " " + ns + "/" + r.getMetadata().getName(), body);
        }
      }
    }
    return objects;
  }

  private static String detail(CliRun run, String name) {
    return run.out().lines().map(String::trim).filter(l -> l.startsWith(name + "=")).map(l -> l.substring(name.length() + 1))
        .findFirst().orElseThrow(() -> new AssertionError("no " + name + " in " + run));
  }

  /** Reads {@code topic} from its beginning until a record of type T matches, or fails after 90 s. */
  @SuppressWarnings("unchecked")
  private static <T> ConsumerRecord<byte[], byte[]> awaitRecord(Endpoints endpoints, String topic,
      java.util.function.Predicate<T> matches) throws InterruptedException {
    KafkaClients kafka = new KafkaClients(endpoints.kafkaBootstrapServers());
    AvroDeserializer<Object> values = new AvroDeserializer<>(new HttpSchemaRegistryClient(endpoints.schemaRegistryUrl()));
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (true) {
      for (ConsumerRecord<byte[], byte[]> r : TopicEnd.readToEnd(kafka, topic)) {
        Object value = values.decode(r.topic(), r.partition(), r.offset(), r.value());
        try {
          if (matches.test((T) value)) {
            return r;
          }
        } catch (ClassCastException other) {
          // another record type of the same topic
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("nothing on " + topic + " matched within 90 s");
      }
      Thread.sleep(500);
    }
  }

  private static Map<String, byte[]> files(Path root) throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
        files.put(root.relativize(p).toString(), Files.readAllBytes(p));
      }
    }
    return files;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
