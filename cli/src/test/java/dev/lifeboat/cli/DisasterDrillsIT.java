package dev.lifeboat.cli;

import static dev.lifeboat.cli.Drills.awaitPublished;
import static dev.lifeboat.cli.Drills.awaitRecord;
import static dev.lifeboat.cli.Drills.capture;
import static dev.lifeboat.cli.Drills.files;
import static dev.lifeboat.cli.Drills.table;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.cli.client.ExitCodes;
import dev.lifeboat.embedded.Endpoints;
import dev.lifeboat.embedded.LocalKubernetes;
import dev.lifeboat.events.v1.ChangeLogSegmentArchived;
import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.testing.Required;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The runbook's days with the cluster and Lifeboat up (docs/RUNBOOK.md), played on the demo with
 * the commands it gives: a namespace deleted by mistake comes back as it was, its claim's data with
 * it; a corrupted etcd is rebuilt from a database file the restore writes and etcd's tool restores.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DisasterDrillsIT {
  private Path dataDir;
  private Demo demo;
  private Endpoints endpoints;
  private KubernetesClient kube;

  @BeforeAll
  void start() throws java.io.IOException {
    dataDir = Files.createTempDirectory("lifeboat-drills-");
    demo = Demo.start(dataDir, true, Duration.ZERO);
    endpoints = demo.endpoints();
    kube = demo.stack().kubernetes().orElseThrow().client();
  }

  @AfterAll
  void stop() throws java.io.IOException {
    demo.close();
    Drills.deleteTree(dataDir);
  }

  @Test
  void aNamespaceDeletedByMistakeComesBackAsItWasWithItsClaimsData() throws Exception {
    String claimUid = kube.persistentVolumeClaims().inNamespace("shop").withName("shop-data").get().getMetadata().getUid();
    awaitRecord(endpoints, Topics.SNAPSHOTS, (SnapshotCompleted c) -> c.getKind() == SnapshotKind.VOLUME
        && c.getTarget().equals(claimUid));
    awaitPublished(endpoints, capture(kube, List.of("shop"), name -> true));
    String marker = "before-the-mistake";
    kube.configMaps().inNamespace("shop").resource(new ConfigMapBuilder().withNewMetadata().withName(marker).endMetadata()
        .build()).create();
    ConsumerRecord<byte[], byte[]> last = awaitRecord(endpoints, Topics.RESOURCE_CHANGES,
        (ResourceChanged c) -> c.getName().equals(marker));
    awaitRecord(endpoints, Topics.SNAPSHOTS, (ChangeLogSegmentArchived a) -> a.getPartition() == last.partition()
        && a.getLastOffset() >= last.offset());
    Map<String, Object> before = capture(kube, List.of("shop"), name -> true);
    Instant beforeTheMistake = Instant.ofEpochMilli(last.timestamp()).plusMillis(1);

    kube.namespaces().withName("shop").delete();
    kube.namespaces().withName("shop").waitUntilCondition(n -> n == null, 60, TimeUnit.SECONDS);

    CliRun restore = CliRun.lifeboat("restore", "--data-dir", dataDir.toString(), "-n", "shop", "--at",
        beforeTheMistake.toString(), "--storage-class-map", "standard=" + LocalKubernetes.STORAGE_CLASS, "--wait",
        "--timeout", "3m");

    assertThat(restore.exit()).as(restore.toString()).isEqualTo(ExitCodes.OK);
    assertThat(restore.out()).contains("SUCCEEDED", "claimsFilled=shop/shop-data=");
    assertThat(capture(kube, List.of("shop"), name -> true)).isEqualTo(before);
    Path volume = demo.stack().kubernetes().orElseThrow().volumeDirectory("shop", "shop-data");
    assertThat(files(volume)).containsOnlyKeys("PG_VERSION", "base/16384");
    assertThat(files(volume).get("base/16384")).isEqualTo(table("shop"));
  }

  @Test
  void aCorruptedEtcdIsRebuiltFromTheDatabaseTheRestoreWrites() throws Exception {
    Required.etcd();
    awaitRecord(endpoints, Topics.SNAPSHOTS, (SnapshotCompleted c) -> c.getKind() == SnapshotKind.ETCD);
    Path database = dataDir.resolve("etcd-restore").resolve("snapshot.db");

    CliRun restore = CliRun.lifeboat("restore", "--data-dir", dataDir.toString(), "--kind", "etcd", "--at",
        Instant.now().toString(), "--target-path", database.toString(), "--wait", "--timeout", "2m");

    assertThat(restore.exit()).as(restore.toString()).isEqualTo(ExitCodes.OK);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(database))).isEqualTo("rw-------");
    Path member = dataDir.resolve("etcd-new");
    Process etcdctl = new ProcessBuilder("etcdctl", "snapshot", "restore", database.toString(), "--data-dir",
        member.toString()).redirectErrorStream(true).start();
    String said = new String(etcdctl.getInputStream().readAllBytes());
    assertThat(etcdctl.waitFor()).as(said).isZero();
    assertThat(member.resolve("member").resolve("snap").resolve("db")).exists();
  }
}
