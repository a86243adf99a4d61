package dev.lifeboat.verifier;

import dev.lifeboat.repository.testing.TestStores;
import static dev.lifeboat.verifier.VerifierFixture.auditOf;
import static dev.lifeboat.verifier.VerifierFixture.awaitVerification;
import static dev.lifeboat.verifier.VerifierFixture.check;
import static dev.lifeboat.verifier.VerifierFixture.copy;
import static dev.lifeboat.verifier.VerifierFixture.replicated;
import static dev.lifeboat.verifier.VerifierFixture.startVerifier;
import static dev.lifeboat.verifier.VerifierFixture.verifyAllInScratchCluster;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.embedded.CsiSnapshotController;
import dev.lifeboat.embedded.LocalKubernetes;
import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.events.v1.Header;
import dev.lifeboat.events.v1.RequestReason;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.events.v1.SnapshotVerified;
import dev.lifeboat.events.v1.VerificationCheck;
import dev.lifeboat.events.v1.VerificationOutcome;
import dev.lifeboat.observe.Health;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.restore.SourceCluster;
import dev.lifeboat.snapshotter.csi.CsiSnapshotter;
import dev.lifeboat.testing.Closer;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CSI volume snapshot keeps its data with the storage: the verifier checks it where it lives (the
 * VolumeSnapshot exists, is ready, is bound to the recorded content, whose handle and restore size
 * are the manifest's), publishes CHECKED_NOT_RESTORED, never PASSED, and the target's restore-proven
 * RPO does not move; a snapshot whose VolumeSnapshot is gone or whose handle changed fails loudly.
 * The snapshots are taken by the real CSI snapshotter against the local API, with a stand-in for
 * the CSI snapshot controller.
 */
@LifeboatIntegrationTest
class CsiVerificationIT {
  private static final String DRIVER = "csi.example.com";
  private static final String NAMESPACE = "shop";
  private static final long RESTORE_SIZE = 5L << 30;
  private static final ResourceDefinitionContext SNAPSHOTS = CsiSnapshotController.SNAPSHOTS;
  private static final ResourceDefinitionContext CONTENTS = CsiSnapshotController.CONTENTS;

  @TempDir
  Path dir;

  @RegisterExtension
  final Closer closer = new Closer();

  @Test
  void aCsiSnapshotIsCheckedWhereItLivesPublishedAsNotRestoredAndNeverAdvancesTheProvenRpo(TestStack stack)
      throws Exception {
    SourceCluster source = closer.register(new SourceCluster(stack));
    KubernetesClient kube = source.kube();
    kube.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build()).create();
    CsiSnapshotController controller = closer.register(new CsiSnapshotController(kube, DRIVER, RESTORE_SIZE));
    controller.createDefaultClass("csi");
    PersistentVolumeClaim pvc = boundClaim(kube);
    String uid = pvc.getMetadata().getUid();
    CsiSnapshotter csi = new CsiSnapshotter(kube, source.repository(), Clock.systemUTC(), Duration.ofSeconds(60), "");
    CsiSnapshotter.Result good = csi.snapshot(request(uid), source.cluster, "20260101T000000Z-csi001");
    CsiSnapshotter.Result moved = csi.snapshot(request(uid), source.cluster, "20260101T000100Z-csi002");
    CsiSnapshotter.Result gone = csi.snapshot(request(uid), source.cluster, "20260101T000200Z-csi003");
    BlobStore offsite = TestStores.offsite(stack, source.prefix);
    copy(source.repository().store(), offsite);

    LocalKubernetes scratchCluster = closer.register(LocalKubernetes.start(0));
    Path kubeconfig = scratchCluster.writeKubeconfig(dir.resolve("scratch.kubeconfig"));
    Health health = new Health(Clock.systemUTC());
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    startVerifier(stack, source, verifyAllInScratchCluster(kubeconfig, dir.resolve("scratch")), health, meters, source::kube,
        closer);

    replicated(stack, source, good.manifest().snapshotId(), SnapshotKind.VOLUME, uid, good.written().key(),
        good.manifest().createdAt());
    SnapshotVerified checked = awaitVerification(stack, good.manifest().snapshotId());

    assertThat(checked.getOutcome()).as("%s", checked.getChecks()).isEqualTo(VerificationOutcome.CHECKED_NOT_RESTORED);
    assertThat(checked.getPassed()).isFalse();
    assertThat(checked.getChecks()).extracting(VerificationCheck::getName)
        .containsExactly("volume-snapshot-exists", "volume-snapshot-ready", "snapshot-handle", "restore-size");
    assertThat(checked.getChecks()).allMatch(VerificationCheck::getPassed);
    assertThat(check(checked, "snapshot-handle").getActual()).isEqualTo(good.manifest().details().get("snapshotHandle"))
        .startsWith("snap-");
    assertThat(check(checked, "restore-size").getActual()).isEqualTo(Long.toString(RESTORE_SIZE));
    assertThat(checked.getScratchTarget()).startsWith("nothing restored").contains(NAMESPACE + "/lifeboat-");
    AuditEvent notRestored = auditOf(stack, good.manifest().snapshotId(), "verification.not-restored").orElseThrow();
    assertThat(notRestored.getOutcome()).isEqualTo(AuditOutcome.INFO);
    assertThat(notRestored.getReason()).contains("CSI snapshot", "does not advance");
    assertThat(counted(meters, "checked_not_restored")).isEqualTo(1);
    assertThat(counted(meters, "passed")).isZero();
    assertThat(meters.find("lifeboat.verifier.rpo.seconds").tag("target", "volume/" + uid).gauge())
        .as("no restore proved this volume: no restore-proven RPO").isNull();
    assertThat(health.components().get("verifier").state()).isEqualTo(Health.State.UP);

    // the storage's snapshot changed under the backup, or is gone: the checks fail, loudly
    GenericKubernetesResource content = kube.genericKubernetesResources(CONTENTS)
        .withName(moved.manifest().details().get("volumeSnapshotContent")).get();
    content.setAdditionalProperty("status", Map.of("snapshotHandle", "snap-other", "restoreSize", RESTORE_SIZE,
        "readyToUse", true));
    kube.genericKubernetesResources(CONTENTS).resource(content).updateStatus();
    kube.genericKubernetesResources(SNAPSHOTS).inNamespace(NAMESPACE)
        .withName(gone.manifest().details().get("volumeSnapshot")).delete();
    replicated(stack, source, moved.manifest().snapshotId(), SnapshotKind.VOLUME, uid, moved.written().key(),
        moved.manifest().createdAt());
    replicated(stack, source, gone.manifest().snapshotId(), SnapshotKind.VOLUME, uid, gone.written().key(),
        gone.manifest().createdAt());

    SnapshotVerified handleChanged = awaitVerification(stack, moved.manifest().snapshotId());
    assertThat(handleChanged.getOutcome()).isEqualTo(VerificationOutcome.FAILED);
    assertThat(check(handleChanged, "snapshot-handle").getPassed()).isFalse();
    assertThat(check(handleChanged, "snapshot-handle").getEvidence().get("reason")).contains("snap-other");
    SnapshotVerified missing = awaitVerification(stack, gone.manifest().snapshotId());
    assertThat(missing.getOutcome()).isEqualTo(VerificationOutcome.FAILED);
    assertThat(check(missing, "volume-snapshot-exists").getPassed()).isFalse();
    assertThat(auditOf(stack, gone.manifest().snapshotId(), "verification.failed")).hasValueSatisfying(e ->
        assertThat(e.getReason()).contains("does not exist in the protected cluster"));
    assertThat(counted(meters, "failed")).isEqualTo(2);
    assertThat(health.components().get("verifier").state()).isEqualTo(Health.State.DEGRADED);
    assertThat(meters.find("lifeboat.verifier.rpo.seconds").tag("target", "volume/" + uid).gauge()).isNull();
  }

  private static double counted(SimpleMeterRegistry meters, String outcome) {
    return meters.get("lifeboat.verifier.verifications").tag("outcome", outcome).counter().count();
  }

  /** A claim bound to a CSI volume of {@link #DRIVER}. */
  private static PersistentVolumeClaim boundClaim(KubernetesClient kube) {
    PersistentVolumeClaim pvc = kube.persistentVolumeClaims().inNamespace(NAMESPACE).resource(
        new PersistentVolumeClaimBuilder().withNewMetadata().withNamespace(NAMESPACE).withName("data").endMetadata()
            .withNewSpec().withStorageClassName("fast").withAccessModes("ReadWriteOnce").withVolumeName("pv-data")
            .withNewResources().addToRequests("storage", new Quantity("5Gi")).endResources().endSpec()
            .withNewStatus().withPhase("Bound").endStatus().build()).create();
    kube.persistentVolumes().resource(new PersistentVolumeBuilder().withNewMetadata().withName("pv-data").endMetadata()
        .withNewSpec().withStorageClassName("fast").addToCapacity("storage", new Quantity("5Gi"))
        .withAccessModes("ReadWriteOnce").withNewClaimRef().withNamespace(NAMESPACE).withName("data")
        .withUid(pvc.getMetadata().getUid()).endClaimRef().withNewCsi().withDriver(DRIVER).withVolumeHandle("vol-data")
        .endCsi().endSpec().withNewStatus().withPhase("Bound").endStatus().build()).create();
    return pvc;
  }

  /** A request as the watcher makes it for a volume policy with method csi. */
  private static SnapshotRequested request(String pvcUid) {
    String id = UUID.randomUUID().toString();
    return SnapshotRequested.newBuilder()
        .setHeader(Header.newBuilder().setEventId(UUID.randomUUID().toString()).setTime(Instant.now())
            .setCluster("test").setSource("it").setCorrelationId(id).build())
        .setRequestId(id).setKind(SnapshotKind.VOLUME).setTarget(pvcUid).setReason(RequestReason.VOLUME_EVENT)
        .setParameters(Map.of("method", "csi", "namespace", NAMESPACE, "pvc", "data", "csiDriver", DRIVER))
        .build();
  }
}
