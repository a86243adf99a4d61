package dev.lifeboat.watcher.volume;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.Set;
import java.util.TreeSet;

/**
 * The parts of a pod that say which claims it mounts and where.
 *
 * @param node spec.nodeName: null until the pod is scheduled
 * @param finished the pod's phase is Succeeded or Failed: its volumes are unmounted
 * @param claimNames claims (in the pod's namespace) named by its volumes, generic ephemeral volumes included
 */
record PodView(String uid, String namespace, String name, String node, boolean finished, Set<String> claimNames) {

  PodView {
    claimNames = Set.copyOf(claimNames);
  }

  static PodView of(Pod pod) {
    String name = pod.getMetadata().getName();
    Set<String> claims = new TreeSet<>();
    if (pod.getSpec() != null && pod.getSpec().getVolumes() != null) {
      for (Volume v : pod.getSpec().getVolumes()) {
        if (v.getPersistentVolumeClaim() != null && v.getPersistentVolumeClaim().getClaimName() != null) {
          claims.add(v.getPersistentVolumeClaim().getClaimName());
        } else if (v.getEphemeral() != null) {
          claims.add(name + "-" + v.getName()); // the claim Kubernetes creates for a generic ephemeral volume
        }
      }
    }
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return new PodView(pod.getMetadata().getUid(), pod.getMetadata().getNamespace(), name,
        pod.getSpec() == null ? null : emptyToNull(pod.getSpec().getNodeName()),
        "Succeeded".equals(phase) || "Failed".equals(phase), claims);
  }

  /** namespace/name, as events name the pod. */
  String key() {
    return namespace + "/" + name;
  }

  /** Whether the pod holds its claims' volumes mounted on its node. */
  boolean mounting() {
    return node != null && !finished;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
