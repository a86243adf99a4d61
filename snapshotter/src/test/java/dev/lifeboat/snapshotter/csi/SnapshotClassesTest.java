package dev.lifeboat.snapshotter.csi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.retry.PermanentFailure;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotClassesTest {
  private static final String EBS = "ebs.csi.aws.com";
  private static final String CLAIM = "shop/data";

  @Test
  void theOnlyClassOfTheDriverIsChosenAndOtherDriversClassesAreIgnored() {
    SnapshotClasses.Chosen chosen = SnapshotClasses.forDriver(EBS,
        List.of(vsc("gp3-snapshots", EBS, false, "Retain"), vsc("ceph", "rbd.csi.ceph.com", true, "Delete")), CLAIM);
    assertThat(chosen).isEqualTo(new SnapshotClasses.Chosen("gp3-snapshots", EBS, "Retain"));
  }

  @Test
  void amongSeveralClassesOfTheDriverTheDefaultOneIsChosen() {
    SnapshotClasses.Chosen chosen = SnapshotClasses.forDriver(EBS,
        List.of(vsc("a-fast", EBS, false, "Delete"), vsc("b-default", EBS, true, "Retain"), vsc("c-slow", EBS, false, "Delete")),
        CLAIM);
    assertThat(chosen.name()).isEqualTo("b-default");
  }

  @Test
  void noClassForTheDriverIsAPermanentFailureThatNamesTheClaimTheDriverAndTheFix() {
    assertThatThrownBy(() -> SnapshotClasses.forDriver(EBS, List.of(vsc("ceph", "rbd.csi.ceph.com", true, "Delete")), CLAIM))
        .isInstanceOf(PermanentFailure.class)
        .satisfies(e -> assertThat(ErrorClassifier.isRetriable(e)).isFalse())
        .hasMessageContaining("No VolumeSnapshotClass for CSI driver " + EBS)
        .hasMessageContaining("claim " + CLAIM)
        .hasMessageContaining("create one (apiVersion: snapshot.storage.k8s.io/v1, kind: VolumeSnapshotClass, driver: " + EBS)
        .hasMessageContaining("snapshotter.csiSnapshotClass")
        .hasMessageContaining("ceph (driver rbd.csi.ceph.com)");
  }

  @Test
  void severalClassesAndNoneDefaultOrSeveralDefaultsAreAmbiguous() {
    assertThatThrownBy(() -> SnapshotClasses.forDriver(EBS, List.of(vsc("a", EBS, false, null), vsc("b", EBS, false, null)), CLAIM))
        .isInstanceOf(PermanentFailure.class)
        .hasMessageContaining("several VolumeSnapshotClasses (a, b) and none is marked default")
        .hasMessageContaining("snapshot.storage.kubernetes.io/is-default-class: \"true\"");
    assertThatThrownBy(() -> SnapshotClasses.forDriver(EBS, List.of(vsc("a", EBS, true, null), vsc("b", EBS, true, null)), CLAIM))
        .isInstanceOf(PermanentFailure.class)
        .hasMessageContaining("are marked default (a, b)");
  }

  @Test
  void aNamedClassMustExistAndBelongToTheClaimsDriver() {
    assertThat(SnapshotClasses.named("gold", "the request", vsc("gold", EBS, false, "Retain"), EBS, CLAIM).name())
        .isEqualTo("gold");
    assertThatThrownBy(() -> SnapshotClasses.named("gold", "snapshotter.csiSnapshotClass", null, EBS, CLAIM))
        .isInstanceOf(PermanentFailure.class)
        .hasMessageContaining("VolumeSnapshotClass gold (named by snapshotter.csiSnapshotClass) does not exist")
        .hasMessageContaining("claim " + CLAIM)
        .hasMessageContaining("create it for CSI driver " + EBS);
    assertThatThrownBy(() -> SnapshotClasses.named("ceph", "the request", vsc("ceph", "rbd.csi.ceph.com", false, null), EBS, CLAIM))
        .isInstanceOf(PermanentFailure.class)
        .hasMessageContaining("is for CSI driver rbd.csi.ceph.com, but claim " + CLAIM + " is on driver " + EBS);
  }

  private static GenericKubernetesResource vsc(String name, String driver, boolean isDefault, String deletionPolicy) {
    GenericKubernetesResourceBuilder builder = new GenericKubernetesResourceBuilder()
        .withApiVersion("snapshot.storage.k8s.io/v1").withKind("VolumeSnapshotClass")
        .withNewMetadata().withName(name)
        .withAnnotations(isDefault ? Map.of(SnapshotClasses.DEFAULT_ANNOTATION, "true") : Map.of()).endMetadata()
        .addToAdditionalProperties("driver", driver);
    if (deletionPolicy != null) {
      builder.addToAdditionalProperties("deletionPolicy", deletionPolicy);
    }
    return builder.build();
  }
}
