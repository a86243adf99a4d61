package dev.lifeboat.snapshotter.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.RequestReason;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.observe.Health;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.controlplane.ControlPlaneSnapshots;
import dev.lifeboat.repository.testing.TestStores;
import dev.lifeboat.runtime.WorkerDefinition;
import dev.lifeboat.runtime.WorkerRuntime;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.snapshotter.SnapshotRequestHandler;
import dev.lifeboat.snapshotter.SnapshotRequestHandler.Taken;
import dev.lifeboat.snapshotter.etcd.EtcdSnapshotter;
import dev.lifeboat.snapshotter.volume.VolumeSnapshotter;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.Required;
import dev.lifeboat.testing.TestStack;
import io.etcd.jetcd.Client;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node agent following etcd snapshots takes its node's control-plane files beside each, as the
 * plugin wires it ({@link ControlPlaneFollower#worker}), against real Kafka, S3 and etcd.
 */
@LifeboatIntegrationTest
class ControlPlaneSnapshotIT {
  /** What a private key's body looks like; it must never appear in an event. */
  static final String KEY_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC-private-" + UUID.randomUUID();

  @TempDir Path node;

  @Test
  void eachEtcdSnapshotGetsTheNodesPkiAndManifestsBesideItNamingItAndAnUnchangedTreeReusesEveryChunk(TestStack stack)
      throws Exception {
    Required.etcd();
    Path kubernetes = etcKubernetes(node);
    String cluster = "cp-" + UUID.randomUUID().toString().substring(0, 8);
    String nodeName = "cp-node-" + UUID.randomUUID().toString().substring(0, 6);
    EventFactory events = new EventFactory(cluster, "snapshotter", Clock.systemUTC());
    ExecutorService uploads = Executors.newFixedThreadPool(2);
    try (Client etcd = Client.builder().endpoints(stack.stack().etcd().orElseThrow().endpoints().toArray(String[]::new)).build();
        WorkerRuntime runtime = new WorkerRuntime(stack.kafka(), stack.registry(), events, new SimpleMeterRegistry(),
            new Health(Clock.systemUTC()), "it-")) {
      Repository repository = Repository.openOrCreate(TestStores.primary(stack, "control-plane-" + UUID.randomUUID()),
          new byte[32], ChunkerParams.DEFAULT, new SimpleMeterRegistry());
      EtcdSnapshotter etcdSnapshots = new EtcdSnapshotter(etcd, repository, uploads, Clock.systemUTC());
      String requests = stack.newTopic("snapshot-requests", 1);
      runtime.start(WorkerDefinition.of("snapshotter-" + requests, requests, new SnapshotRequestHandler(
          Map.of(SnapshotKind.ETCD, (request, id) -> {
            EtcdSnapshotter.Result r = etcdSnapshots.snapshot(cluster, request.getTarget(), id, b -> {});
            return new Taken(r.manifest(), r.written(), r.newChunks(), r.newBytes());
          }), repository, events, runtime.audit(), Clock.systemUTC())));
      ControlPlaneSource source = new ControlPlaneSource(new VolumeSnapshotter(repository, uploads, Clock.systemUTC()),
          cluster, nodeName, List.of(kubernetes.resolve("pki"), kubernetes.resolve("manifests")));
      runtime.start(new ControlPlaneFollower(nodeName, source, repository, events, runtime.audit(), Clock.systemUTC())
          .worker(Topics.SNAPSHOTS));

      SnapshotCompleted etcd1 = etcdSnapshot(stack, requests, events, "r1-" + cluster);
      SnapshotCompleted first = besideEtcd(stack, cluster, etcd1);
      Manifest firstManifest = repository.manifests().read(first.getManifestKey()).orElseThrow();
      assertThat(first.getKind()).isEqualTo(SnapshotKind.VOLUME);
      assertThat(first.getTarget()).isEqualTo("control-plane/" + nodeName);
      assertThat(firstManifest.details()).containsEntry(ControlPlaneSnapshots.ETCD_SNAPSHOT_ID, etcd1.getSnapshotId())
          .containsEntry(ControlPlaneSnapshots.ETCD_MANIFEST_KEY, etcd1.getManifestKey())
          .containsEntry(ControlPlaneSnapshots.NODE, nodeName);
      assertThat(repository.manifests().read(firstManifest.details().get(ControlPlaneSnapshots.ETCD_MANIFEST_KEY)))
          .as("the etcd snapshot is found from the control-plane one").hasValueSatisfying(m ->
              assertThat(m.snapshotId()).isEqualTo(etcd1.getSnapshotId()));
      assertThat(firstManifest.files()).extracting(Manifest.FileEntry::path).containsExactly(".", "manifests",
          "manifests/kube-apiserver.yaml", "pki", "pki/ca.crt", "pki/ca.key", "pki/etcd", "pki/etcd/ca.crt", "pki/etcd/ca.key",
          "pki/sa.key");
      assertThat(firstManifest.files()).filteredOn(f -> f.path().equals("pki/ca.key")).singleElement()
          .satisfies(f -> assertThat(f.mode()).isEqualTo(0600));
      assertThat(first.getNewChunkCount()).isPositive();

      SnapshotCompleted etcd2 = etcdSnapshot(stack, requests, events, "r2-" + cluster);
      SnapshotCompleted second = besideEtcd(stack, cluster, etcd2);
      Manifest secondManifest = repository.manifests().read(second.getManifestKey()).orElseThrow();
      assertThat(secondManifest.parent()).isEqualTo(first.getSnapshotId());
      assertThat(second.getNewChunkCount()).as("nothing changed: every chunk reused").isZero();
      assertThat(second.getNewBytes()).isZero();
      assertThat(secondManifest.files()).extracting(Manifest.FileEntry::chunks)
          .containsExactlyElementsOf(firstManifest.files().stream().map(Manifest.FileEntry::chunks).toList());

      // the key's bytes are in no event on the topics this took part in
      List<AuditEvent> audit = stack.read(Topics.AUDIT, AuditEvent.class, Duration.ofSeconds(30),
          l -> l.stream().anyMatch(e -> e.getAction().equals("snapshot.completed")
              && e.getSubject().equals("VOLUME/control-plane/" + nodeName) && second.getSnapshotId().equals(
                  e.getDetails().get("snapshotId"))));
      assertThat(audit.toString() + stack.read(Topics.SNAPSHOTS, SnapshotCompleted.class, Duration.ofSeconds(1), l -> false))
          .doesNotContain(KEY_BODY);
    } finally {
      uploads.shutdownNow();
    }
  }

  /** A tree laid out like a kubeadm control-plane node's /etc/kubernetes (with more than is snapshotted). */
  static Path etcKubernetes(Path root) throws Exception {
    Path k = Files.createDirectories(root.resolve("etc/kubernetes"));
    Files.createDirectories(k.resolve("pki/etcd"));
    Files.createDirectories(k.resolve("manifests"));
    Files.writeString(k.resolve("pki/ca.crt"), "-----BEGIN CERTIFICATE-----\nMIIC5zCCAc+gAwIBAgIBADANBgkq\n-----END CERTIFICATE-----\n");
    privateKey(k.resolve("pki/ca.key"));
    privateKey(k.resolve("pki/sa.key"));
    Files.writeString(k.resolve("pki/etcd/ca.crt"), "-----BEGIN CERTIFICATE-----\netcd\n-----END CERTIFICATE-----\n");
    privateKey(k.resolve("pki/etcd/ca.key"));
    Files.writeString(k.resolve("manifests/kube-apiserver.yaml"), "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n");
    Files.writeString(k.resolve("admin.conf"), "not in the configured paths\n");
    return k;
  }

  private static void privateKey(Path file) throws Exception {
    Files.writeString(file, "-----BEGIN PRIVATE KEY-----\n" + KEY_BODY + "\n-----END PRIVATE KEY-----\n", StandardCharsets.US_ASCII);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
  }

  private static SnapshotCompleted etcdSnapshot(TestStack stack, String requests, EventFactory events, String id) {
    stack.send(requests, "etcd", SnapshotRequested.newBuilder().setHeader(events.header(id)).setRequestId(id)
        .setKind(SnapshotKind.ETCD).setTarget("etcd").setReason(RequestReason.COMMAND).build());
    return stack.read(Topics.SNAPSHOTS, SnapshotCompleted.class, Duration.ofSeconds(60),
        l -> l.stream().anyMatch(c -> c.getRequestId().equals(id))).stream().filter(c -> c.getRequestId().equals(id))
        .findFirst().orElseThrow();
  }

  private static SnapshotCompleted besideEtcd(TestStack stack, String cluster, SnapshotCompleted etcd) {
    return stack.read(Topics.SNAPSHOTS, SnapshotCompleted.class, Duration.ofSeconds(60), l -> l.stream().anyMatch(c ->
        isBeside(c, cluster, etcd))).stream().filter(c -> isBeside(c, cluster, etcd)).findFirst().orElseThrow();
  }

  private static boolean isBeside(SnapshotCompleted c, String cluster, SnapshotCompleted etcd) {
    return c.getHeader().getCluster().equals(cluster) && c.getKind() == SnapshotKind.VOLUME
        && etcd.getSnapshotId().equals(c.getDetails().get(ControlPlaneSnapshots.ETCD_SNAPSHOT_ID));
  }


}
