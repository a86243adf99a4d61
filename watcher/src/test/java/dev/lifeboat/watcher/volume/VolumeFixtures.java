package dev.lifeboat.watcher.volume;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachment;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachmentBuilder;
import java.util.Map;

/** Claims, volumes, pods and attachments as the API server would hold them at each step of a claim's life. */
final class VolumeFixtures {

  private VolumeFixtures() {}

  /** A pending claim asking for {@code size}. */
  static PersistentVolumeClaim claim(String namespace, String name, String uid, String storageClass, String size,
      Map<String, String> labels) {
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata().withNamespace(namespace).withName(name).withUid(uid).withLabels(labels).endMetadata()
        .withNewSpec().withStorageClassName(storageClass).withAccessModes("ReadWriteOnce")
        .withNewResources().addToRequests("storage", new Quantity(size)).endResources().endSpec()
        .withNewStatus().withPhase("Pending").endStatus()
        .build();
  }

  /** The claim bound to {@code pvName} with {@code capacity}. */
  static PersistentVolumeClaim bound(PersistentVolumeClaim claim, String pvName, String capacity) {
    return new PersistentVolumeClaimBuilder(claim)
        .editSpec().withVolumeName(pvName).endSpec()
        .withNewStatus().withPhase("Bound").withAccessModes("ReadWriteOnce")
        .addToCapacity("storage", new Quantity(capacity)).endStatus()
        .build();
  }

  /** A CSI volume bound to the claim. */
  static PersistentVolume csiVolume(String name, PersistentVolumeClaim claim, String driver, String phase) {
    return new PersistentVolumeBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withStorageClassName(claim.getSpec().getStorageClassName())
        .addToCapacity("storage", new Quantity("1Gi")).withAccessModes("ReadWriteOnce")
        .withNewClaimRef().withNamespace(claim.getMetadata().getNamespace()).withName(claim.getMetadata().getName())
        .withUid(claim.getMetadata().getUid()).endClaimRef()
        .withNewCsi().withDriver(driver).withVolumeHandle("handle-" + name).endCsi()
        .withPersistentVolumeReclaimPolicy("Retain").endSpec()
        .withNewStatus().withPhase(phase).endStatus()
        .build();
  }

  /** A hostPath volume bound to the claim. */
  static PersistentVolume hostPathVolume(String name, PersistentVolumeClaim claim, String path, String phase) {
    return new PersistentVolumeBuilder(csiVolume(name, claim, "unused", phase))
        .editSpec().withCsi(null).withNewHostPath().withPath(path).endHostPath().endSpec()
        .build();
  }

  static PersistentVolume withPhase(PersistentVolume pv, String phase) {
    return new PersistentVolumeBuilder(pv).withNewStatus().withPhase(phase).endStatus().build();
  }

  /** A running pod on {@code node} (null: not yet scheduled) that mounts the claim. */
  static Pod pod(String namespace, String name, String uid, String node, String claimName) {
    return new PodBuilder()
        .withNewMetadata().withNamespace(namespace).withName(name).withUid(uid).endMetadata()
        .withNewSpec().withNodeName(node)
        .addNewContainer().withName("app").withImage("busybox").endContainer()
        .addNewVolume().withName("data").withNewPersistentVolumeClaim().withClaimName(claimName).endPersistentVolumeClaim()
        .endVolume().endSpec()
        .withNewStatus().withPhase(node == null ? "Pending" : "Running").endStatus()
        .build();
  }

  static Pod finished(Pod pod) {
    return new PodBuilder(pod).withNewStatus().withPhase("Succeeded").endStatus().build();
  }

  static VolumeAttachment attachment(String name, String attacher, String pvName, String node) {
    return new VolumeAttachmentBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withAttacher(attacher).withNodeName(node)
        .withNewSource().withPersistentVolumeName(pvName).endSource().endSpec()
        .build();
  }
}
