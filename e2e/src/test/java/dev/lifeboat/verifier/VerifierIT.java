package dev.lifeboat.verifier;

import dev.lifeboat.repository.testing.TestStores;
import static org.assertj.core.api.Assertions.assertThat;
import static dev.lifeboat.verifier.VerifierFixture.auditOf;
import static dev.lifeboat.verifier.VerifierFixture.awaitVerification;
import static dev.lifeboat.verifier.VerifierFixture.check;
import static dev.lifeboat.verifier.VerifierFixture.copy;
import static dev.lifeboat.verifier.VerifierFixture.replicated;
import static dev.lifeboat.verifier.VerifierFixture.segmentReplicated;
import static dev.lifeboat.verifier.VerifierFixture.startVerifier;
import static dev.lifeboat.verifier.VerifierFixture.verifyAllInScratchCluster;

import dev.lifeboat.embedded.EmbeddedEtcd;
import dev.lifeboat.embedded.LocalKubernetes;
import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.events.v1.Header;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotReplicated;
import dev.lifeboat.events.v1.SnapshotVerified;
import dev.lifeboat.events.v1.VerificationCheck;
import dev.lifeboat.events.v1.VerificationOutcome;
import dev.lifeboat.events.v1.VerificationRequested;
import dev.lifeboat.observe.Health;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.RepositoryDamage;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.changelog.SegmentRef;
import dev.lifeboat.repository.changelog.SegmentStore;
import dev.lifeboat.restore.SourceCluster;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.snapshotter.etcd.EtcdSnapshotter;
import dev.lifeboat.testing.Closer;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verifier end to end: workloads in a source cluster, captured by the watcher, snapshotted by
 * the snapshotter, copied to the off-region store, announced on {@code lifeboat.replications};
 * the verifier (started as a plugin, as {@code lifeboat run} starts it) restores them from the
 * off-region copy into a scratch cluster, a scratch etcd and checks them, publishes the proof, the
 * RPO and RTO; a chunk damaged in the off-region store fails the verification loudly, naming it.
 */
@LifeboatIntegrationTest
class VerifierIT {
  private static final Duration WAIT = VerifierFixture.WAIT;

  @TempDir
  Path dir;

  @RegisterExtension
  final Closer closer = new Closer();

  @Test
  void snapshotsCopiedOffRegionAreProvenByRestoresAndADamagedChunkFailsLoudly(TestStack stack) throws Exception {
    SourceCluster source = closer.register(new SourceCluster(stack));
    seedWorkloads(source.kube());
    source.watch();
    source.awaitCaptured();
    SnapshotCompleted first = source.snapshot();

    LocalKubernetes scratchCluster = closer.register(LocalKubernetes.start(0));
    Path kubeconfig = scratchCluster.writeKubeconfig(dir.resolve("scratch.kubeconfig"));
    // what a crashed verifier left behind: a scratch namespace and a scratch directory
    scratchCluster.client().namespaces().resource(new NamespaceBuilder().withNewMetadata()
        .withName("lifeboat-verify-deadbeef-shop").addToLabels(ScratchTargets.LABEL, "deadbeef").endMetadata().build())
        .create();
    Path scratchDir = Files.createDirectories(dir.resolve("scratch"));
    Files.createDirectories(scratchDir.resolve("deadbeef/volume"));

    BlobStore offsite = TestStores.offsite(stack, source.prefix);
    copy(source.repository().store(), offsite);
    stack.sendRaw(Topics.REPLICATIONS, "garbage", "not a record".getBytes(StandardCharsets.UTF_8));
    replicated(stack, source, first.getSnapshotId(), SnapshotKind.RESOURCES, "cluster", first.getManifestKey(),
        first.getStartedAt());

    Health health = new Health(Clock.systemUTC());
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    startVerifier(stack, source, verifyAllInScratchCluster(kubeconfig, scratchDir), health, meters, () -> {
      throw new AssertionError("a scratch cluster is configured and no CSI snapshot is verified: the protected cluster is not"
          + " touched");
    }, closer);

    SnapshotVerified proof = awaitVerification(stack, first.getSnapshotId());
    assertThat(proof.getPassed()).as("%s", proof.getChecks()).isTrue();
    assertThat(proof.getStore()).isEqualTo("offsite");
    assertThat(proof.getScratchTarget()).contains("lifeboat-verify-").contains("scratch cluster context lifeboat-local");
    assertThat(proof.getChecks()).extracting(VerificationCheck::getName)
        .containsExactly("objects-read", "objects-accepted", "objects-equal", "scratch-inert");
    assertThat(proof.getOutcome()).isEqualTo(VerificationOutcome.PASSED);
    VerificationCheck accepted = check(proof, "objects-accepted");
    assertThat(accepted.getEvidence()).containsEntry("namespaces", "cache,shop").containsEntry("refused", "0")
        .containsEntry("skippedOwnedByController", "0");
    assertThat(Long.parseLong(accepted.getActual())).isEqualTo(6);
    assertThat(check(proof, "objects-equal").getEvidence()).containsEntry("compared", "6");
    assertThat(proof.getDurationMillis()).isPositive();
    // everything it restored is gone again, and so is what the crashed one left
    Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(scratchCluster.client().namespaces()
        .withLabel(ScratchTargets.LABEL).list().getItems()).isEmpty());
    assertThat(scratchDir).isEmptyDirectory();
    assertThat(health.components().get("verifier").state()).isEqualTo(Health.State.UP);
    assertThat(meters.get("lifeboat.verifier.rpo.seconds").tag("target", "resources/cluster").gauge().value())
        .isPositive().isLessThan(600);
    assertThat(meters.get("lifeboat.verifier.rto.seconds").tag("target", "resources/cluster").gauge().value())
        .isEqualTo(proof.getDurationMillis() / 1000.0);
    assertThat(auditOf(stack, first.getSnapshotId(), "verification.passed")).isPresent();

    // change-log segments copied off-region are read back, not restored: no proof of a snapshot, a counter;
    // a damaged copy fails loudly, and a later segment that reads back clears the alarm
    source.awaitArchived();
    copy(source.repository().store(), offsite);
    SegmentRef segment = source.segments().listAll(source.cluster).firstEntry().getValue().get(0);
    segmentReplicated(stack, source, segment.key(), segment.partition(), segment.firstOffset(), segment.lastOffset());
    String damaged = SegmentStore.key(source.cluster, 0, 1_000_000, 1_000_001);
    offsite.putIfAbsent(damaged, "not a sealed segment".getBytes(StandardCharsets.UTF_8));
    segmentReplicated(stack, source, damaged, 0, 1_000_000, 1_000_001);
    AuditEvent segmentFailed = auditOf(stack, damaged, "verification.failed").orElseThrow();
    assertThat(segmentFailed.getOutcome()).isEqualTo(AuditOutcome.FAILED);
    assertThat(segmentFailed.getReason()).contains(damaged, "cannot be read");
    Awaitility.await().atMost(WAIT).until(() -> segments(meters, "passed") == 1);
    assertThat(segments(meters, "failed")).isEqualTo(1);
    assertThat(health.components().get("verifier").state()).isEqualTo(Health.State.DEGRADED);
    assertThat(health.components().get("verifier").detail()).contains(damaged);
    assertThat(stack.read(Topics.VERIFICATIONS, SnapshotVerified.class, Duration.ofSeconds(3), l -> false))
        .extracting(SnapshotVerified::getSnapshotId).noneMatch(id -> id.startsWith("changelog/" + source.cluster));
    segmentReplicated(stack, source, segment.key(), segment.partition(), segment.firstOffset(), segment.lastOffset());
    Awaitility.await().atMost(WAIT).until(() -> segments(meters, "passed") == 2);
    assertThat(health.components().get("verifier").state()).isEqualTo(Health.State.UP);
    // a segment's copy as replicators reported it before ChangeLogSegmentReplicated (a SnapshotReplicated whose
    // snapshot id is the segment key) is not taken for a snapshot: skipped, and said so
    replicated(stack, source, segment.key(), SnapshotKind.RESOURCES, source.cluster, segment.key(), Instant.now());
    AuditEvent skipped = auditOf(stack, segment.key(), "verification.skipped").orElseThrow();
    assertThat(skipped.getReason()).contains("earlier replicator");
    assertThat(segments(meters, "passed")).isEqualTo(2);
    assertThat(segments(meters, "failed")).isEqualTo(1);
    assertThat(health.components().get("verifier").state()).isEqualTo(Health.State.UP);

    // VerifyNow: the commands worker asks with a VerificationRequested; the answer carries the command id
    requestVerification(stack, source, "cmd-" + first.getSnapshotId(), first.getSnapshotId());
    requestVerification(stack, source, "cmd-unknown", "20200101T000000Z-000000");
    SnapshotVerified onRequest = awaitAnswer(stack, "cmd-" + first.getSnapshotId());
    assertThat(onRequest.getPassed()).as("%s", onRequest.getChecks()).isTrue();
    assertThat(onRequest.getSnapshotId()).isEqualTo(first.getSnapshotId());
    assertThat(onRequest.getStore()).isEqualTo("offsite");
    SnapshotVerified unknown = awaitAnswer(stack, "cmd-unknown");
    assertThat(unknown.getPassed()).isFalse();
    assertThat(check(unknown, "snapshot-found").getEvidence().get("reason")).contains("20200101T000000Z-000000");

    // every etcd snapshot is proven too, in a scratch etcd
    dev.lifeboat.testing.Required.etcd();
    Manifest etcd = etcdSnapshot(stack, source);
    copy(source.repository().store(), offsite);
    replicated(stack, source, etcd.snapshotId(), SnapshotKind.ETCD, "etcd",
        dev.lifeboat.repository.ManifestStore.key(SnapshotKind.ETCD, "etcd", etcd.snapshotId()), etcd.createdAt());
    SnapshotVerified etcdProof = awaitVerification(stack, etcd.snapshotId());
    assertThat(etcdProof.getPassed()).as("%s", etcdProof.getChecks()).isTrue();
    assertThat(etcdProof.getChecks()).extracting(VerificationCheck::getName)
        .containsExactly("etcd-sha256", "etcd-snapshot-status", "etcd-revision", "etcd-key-count");
    assertThat(meters.find("lifeboat.verifier.rpo.seconds").tag("target", "etcd/etcd").gauge()).isNotNull();

    // a second snapshot, copied, and one chunk of it damaged in the off-region store
    source.kube().configMaps().inNamespace("shop").withName("settings")
        .edit(c -> new ConfigMapBuilder(c).addToData("color", "green").build());
    source.awaitCaptured();
    SnapshotCompleted second = source.snapshot();
    copy(source.repository().store(), offsite);
    Manifest secondManifest = source.repository().manifests().read(second.getManifestKey()).orElseThrow();
    String chunk = secondManifest.streams().stream().filter(s -> s.name().equals("shop")).findFirst().orElseThrow()
        .chunks().get(0).id();
    Repository offsiteRepository = Repository.open(offsite, source.masterKey, new SimpleMeterRegistry());
    RepositoryDamage.corruptChunk(offsiteRepository, chunk);
    replicated(stack, source, second.getSnapshotId(), SnapshotKind.RESOURCES, "cluster", second.getManifestKey(),
        second.getStartedAt());

    SnapshotVerified failed = awaitVerification(stack, second.getSnapshotId());
    assertThat(failed.getPassed()).isFalse();
    VerificationCheck integrity = check(failed, "chunk-integrity");
    assertThat(integrity.getPassed()).isFalse();
    assertThat(integrity.getEvidence()).containsEntry("chunkId", chunk);
    Health.Status status = health.components().get("verifier");
    assertThat(status.state()).isEqualTo(Health.State.DEGRADED);
    assertThat(status.detail()).contains(second.getSnapshotId(), "FAILED", chunk);
    assertThat(meters.get("lifeboat.verifier.verifications").tag("outcome", "failed").counter().count()).isEqualTo(1);
    AuditEvent loud = auditOf(stack, second.getSnapshotId(), "verification.failed").orElseThrow();
    assertThat(loud.getOutcome()).isEqualTo(AuditOutcome.FAILED);
    assertThat(loud.getReason()).contains(chunk);
    // the RPO still counts from the last snapshot that was proven
    assertThat(meters.get("lifeboat.verifier.rpo.seconds").tag("target", "resources/cluster").gauge().value())
        .isGreaterThanOrEqualTo(Duration.between(first.getStartedAt(), Instant.now()).toSeconds() - 1);
  }

  private static double segments(SimpleMeterRegistry meters, String outcome) {
    return meters.get("lifeboat.verifier.segments").tag("outcome", outcome).counter().count();
  }

  /** What the commands worker writes for a VerifyNow command. */
  private static void requestVerification(TestStack stack, SourceCluster source, String commandId, String snapshotId) {
    stack.send(Topics.REPLICATIONS, commandId, VerificationRequested.newBuilder()
        .setHeader(Header.newBuilder().setEventId(UUID.randomUUID().toString()).setTime(Instant.now())
            .setCluster(source.cluster).setSource("commands").setCorrelationId(commandId).build())
        .setRequestId(commandId).setRequestedBy("ops@example.com").setSnapshotId(snapshotId).build());
  }

  private static SnapshotVerified awaitAnswer(TestStack stack, String commandId) {
    return stack.read(Topics.VERIFICATIONS, SnapshotVerified.class, WAIT,
            l -> l.stream().anyMatch(v -> commandId.equals(v.getHeader().getCorrelationId())))
        .stream().filter(v -> commandId.equals(v.getHeader().getCorrelationId())).findFirst()
        .orElseThrow(() -> new AssertionError("no answer to " + commandId));
  }

  private static Manifest etcdSnapshot(TestStack stack, SourceCluster source) throws Exception {
    EmbeddedEtcd etcd = stack.stack().etcd().orElseThrow();
    var uploads = Executors.newFixedThreadPool(2);
    try (Client client = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build()) {
      for (int i = 0; i < 200; i++) {
        client.getKVClient().put(io.etcd.jetcd.ByteSequence.from("verifier-it/" + source.cluster + "/" + i,
            StandardCharsets.UTF_8), io.etcd.jetcd.ByteSequence.from("value " + i, StandardCharsets.UTF_8)).get();
      }
      String id = "20260101T000000Z-" + UUID.randomUUID().toString().substring(0, 6);
      return new EtcdSnapshotter(client, source.repository(), uploads, Clock.systemUTC())
          .snapshot(source.cluster, "etcd", id, n -> {}).manifest();
    } finally {
      uploads.shutdownNow();
    }
  }

  private static void seedWorkloads(KubernetesClient kube) {
    for (String ns : List.of("shop", "cache")) {
      kube.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    }
    kube.configMaps().inNamespace("shop").resource(new ConfigMapBuilder().withNewMetadata().withName("settings")
        .endMetadata().addToData("color", "blue").build()).create();
    kube.secrets().inNamespace("shop").resource(new SecretBuilder().withNewMetadata().withName("db").endMetadata()
        .addToData("password", Base64.getEncoder().encodeToString("hunter2".getBytes(StandardCharsets.UTF_8))).build())
        .create();
    kube.apps().deployments().inNamespace("shop").resource(new DeploymentBuilder().withNewMetadata().withName("web")
        .endMetadata().withNewSpec().withReplicas(3).withNewSelector().addToMatchLabels("app", "web").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata().withNewSpec().addNewContainer()
        .withName("web").withImage("nginx:1.27").endContainer().endSpec().endTemplate().endSpec().build()).create();
    kube.services().inNamespace("shop").resource(new io.fabric8.kubernetes.api.model.ServiceBuilder().withNewMetadata()
        .withName("web").endMetadata().withNewSpec().withClusterIP("10.96.0.20").addToSelector("app", "web").addNewPort()
        .withPort(80).endPort().endSpec().build()).create();
    kube.apps().deployments().inNamespace("cache").resource(new DeploymentBuilder().withNewMetadata().withName("redis")
        .endMetadata().withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", "redis").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "redis").endMetadata().withNewSpec().addNewContainer()
        .withName("redis").withImage("redis:7").endContainer().endSpec().endTemplate().endSpec().build()).create();
    kube.configMaps().inNamespace("cache").resource(new ConfigMapBuilder().withNewMetadata().withName("redis")
        .endMetadata().addToData("maxmemory", "1gb").build()).create();
  }
}
