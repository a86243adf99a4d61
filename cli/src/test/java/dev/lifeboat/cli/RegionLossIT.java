package dev.lifeboat.cli;

import static dev.lifeboat.cli.Drills.awaitRecord;
import static dev.lifeboat.cli.Drills.capture;
import static dev.lifeboat.cli.Drills.copyTree;
import static dev.lifeboat.cli.Drills.deleteTree;
import static dev.lifeboat.cli.Drills.detail;
import static dev.lifeboat.cli.Drills.files;
import static dev.lifeboat.cli.Drills.table;
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

  @TempDir
  Path dataDir;

  @TempDir
  Path drDir;

  @Test
  void fromTheOffRegionStoreAloneTwoApplicationsAndTheirDataComeBackIntoANewCluster() throws Exception {
    Map<String, Object> source;
    String shopClaim;
    Instant lastChange;
    Instant lost;
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
      String analyticsClaim = kube.persistentVolumeClaims().inNamespace("analytics").withName("analytics-data").get()
          .getMetadata().getUid();
      for (String claim : List.of(shopClaim, analyticsClaim)) {
        awaitRecord(endpoints, Topics.REPLICATIONS, (SnapshotReplicated r) -> r.getStore().equals("offsite")
            && r.getKind() == SnapshotKind.VOLUME && r.getTarget().equals(claim));
      }
      source = capture(kube, APPS, name -> true);
      // each object's change may sit in another partition than the marker's, copied off-region later
      Drills.awaitReplicated(endpoints, source, "offsite");
    }
    lost = Instant.now();
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
        LocalKubernetes dr = LocalMoverPods.serve(LocalKubernetes.start(0).provisionVolumes(drDir.resolve("volumes")))) {
      Path config = drConfig(offsite, dr.writeKubeconfig(drDir.resolve("kubeconfig")), keys);

      CliRun listed = CliRun.lifeboat("snapshots", "list", "-c", config.toString(), "--store", "offsite");
      assertThat(listed.exit()).as(listed.toString()).isZero();
      assertThat(listed.out()).contains(shopClaim, "volume");

      CliRun restore = CliRun.lifeboat("restore", "--direct", "--store", "offsite", "--source-cluster", "demo",
          "-c", config.toString(), "-n", String.join(",", APPS), "--target-cluster", LocalKubernetes.CONTEXT,
          "--storage-class-map", "standard=" + LocalKubernetes.STORAGE_CLASS);
      assertThat(restore.exit()).as(restore.toString()).isEqualTo(ExitCodes.OK);
      assertThat(restore.out()).contains("SUCCEEDED restore", "no Kafka is used", "recoveryPoint=", "took=PT",
          "2 claims filled with their volume data").doesNotContain("claimsOnNewVolumes");
      Instant recoveryPoint = Instant.parse(detail(restore, "recoveryPoint"));
      // the copy holds at least every change up to the marker (the demo's own objects may change after it,
      // and their copies may or may not have left before the region went)
      assertThat(recoveryPoint).as("the recovery point reached").isAfterOrEqualTo(lastChange).isBeforeOrEqualTo(lost);

      assertThat(capture(dr.client(), APPS, name -> true)).isEqualTo(source);
      assertThat(dr.client().persistentVolumeClaims().inNamespace("shop").withName("shop-data").get().getSpec()
          .getStorageClassName()).isEqualTo(LocalKubernetes.STORAGE_CLASS);
      // the claim's new volume holds the source volume's files, written through the data-mover pod
      assertThat(files(dr.volumeDirectory("shop", "shop-data"))).containsOnlyKeys("PG_VERSION", "base/16384");
      assertThat(files(dr.volumeDirectory("shop", "shop-data")).get("base/16384")).isEqualTo(table("shop"));
      assertThat(files(dr.volumeDirectory("analytics", "analytics-data")).get("base/16384")).isEqualTo(table("analytics"));
      assertThat(dr.client().pods().inAnyNamespace().list().getItems()).as("no mover pod is left")
          .noneMatch(p -> p.getMetadata().getName().startsWith("lifeboat-mover-"));

      String volumeSnapshot = listed.out().lines().filter(l -> l.contains(shopClaim) && l.contains("volume"))
          .map(l -> l.trim().split("\\s+")[0]).reduce((a, b) -> b).orElseThrow();
      Path restored = drDir.resolve("restored-shop-data");
      CliRun volume = CliRun.lifeboat("restore", "--direct", "--store", "offsite", "--source-cluster", "demo",
          "-c", config.toString(), "--kind", "volume", "--snapshot", volumeSnapshot, "--target-path", restored.toString());
      assertThat(volume.exit()).as(volume.toString()).isEqualTo(ExitCodes.OK);
      assertThat(files(restored)).containsOnlyKeys("PG_VERSION", "base/16384");
      assertThat(files(restored).get("PG_VERSION")).isEqualTo("16\n".getBytes());
      assertThat(files(restored).get("base/16384")).as("the volume's data file, byte for byte").isEqualTo(table("shop"));
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







}
