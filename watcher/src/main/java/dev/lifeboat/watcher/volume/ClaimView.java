package dev.lifeboat.watcher.volume;

import dev.lifeboat.events.v1.VolumeEventObserved;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpec;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatus;
import io.fabric8.kubernetes.api.model.VolumeResourceRequirements;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The parts of a persistent volume claim that volume events speak of.
 *
 * @param capacityBytes the status capacity; the requested size while there is none
 */
record ClaimView(String uid, String namespace, String name, String storageClass, String volumeName, String phase,
    Long capacityBytes, List<String> accessModes, Map<String, String> labels) {

  static final String BOUND = "Bound";

  ClaimView {
    accessModes = accessModes == null ? List.of()
        : accessModes.stream().filter(Objects::nonNull).toList();
    labels = labels == null ? Map.of() : labels.entrySet().stream()
        .filter(e -> e.getKey() != null && e.getValue() != null)
        .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));
  }

  static ClaimView of(PersistentVolumeClaim pvc) {
    PersistentVolumeClaimSpec spec = pvc.getSpec();
    PersistentVolumeClaimStatus status = pvc.getStatus();
    Long capacity = status == null ? null : Quantities.storage(status.getCapacity());
    if (capacity == null && spec != null) {
      VolumeResourceRequirements resources = spec.getResources();
      capacity = resources == null ? null : Quantities.storage(resources.getRequests());
    }
    List<String> modes = status == null ? null : status.getAccessModes();
    if ((modes == null || modes.isEmpty()) && spec != null) {
      modes = spec.getAccessModes();
    }
    return new ClaimView(pvc.getMetadata().getUid(), pvc.getMetadata().getNamespace(), pvc.getMetadata().getName(),
        spec == null ? null : spec.getStorageClassName(), spec == null ? null : spec.getVolumeName(),
        status == null ? null : status.getPhase(), capacity, modes, pvc.getMetadata().getLabels());
  }

  /** The claim as the last event published about it described it (for a claim that went while nobody watched). */
  static ClaimView of(VolumeEventObserved last) {
    return new ClaimView(last.getPvcUid(), last.getNamespace(), last.getPvcName(), last.getStorageClass(),
        last.getPvName(), null, last.getCapacityBytes(), last.getAccessModes(), last.getLabels());
  }

  /** namespace/name: how pods refer to the claim. */
  String key() {
    return namespace + "/" + name;
  }

  boolean bound() {
    return BOUND.equals(phase);
  }
}
