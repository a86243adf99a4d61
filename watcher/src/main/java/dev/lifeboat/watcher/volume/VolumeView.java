package dev.lifeboat.watcher.volume;

import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeSpec;

/**
 * The parts of a persistent volume that volume events speak of.
 *
 * @param claimUid uid of the claim the volume is (or was) bound to, from spec.claimRef
 */
record VolumeView(String name, String claimUid, String phase, String csiDriver, String hostPath, String localPath,
    String storageClass) {

  static final String RELEASED = "Released";

  static VolumeView of(PersistentVolume pv) {
    PersistentVolumeSpec spec = pv.getSpec();
    if (spec == null) {
      spec = new PersistentVolumeSpec();
    }
    ObjectReference claimRef = spec.getClaimRef();
    return new VolumeView(pv.getMetadata().getName(),
        claimRef == null ? null : claimRef.getUid(),
        pv.getStatus() == null ? null : pv.getStatus().getPhase(),
        spec.getCsi() == null ? null : spec.getCsi().getDriver(),
        spec.getHostPath() == null ? null : spec.getHostPath().getPath(),
        spec.getLocal() == null ? null : spec.getLocal().getPath(),
        spec.getStorageClassName());
  }

  boolean released() {
    return RELEASED.equals(phase);
  }
}
