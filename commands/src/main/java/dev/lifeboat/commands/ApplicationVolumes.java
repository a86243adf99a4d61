package dev.lifeboat.commands;

import dev.lifeboat.kube.VolumeNodePaths;
import dev.lifeboat.schedule.VolumePolicies;
import dev.lifeboat.schedule.VolumePolicy;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the volume snapshot request of each claim of a namespace says, read from the API as the
 * watcher reads it (its {@code VolumeRecords} and {@code NodePaths}): the claim's uid as target, its
 * namespace, name, volume, class and CSI driver as parameters, and either {@code method=csi} (its
 * volume policy says so) or the node of a pod that mounts it and the volume's path on that node
 * (hostPath, local path, or the kubelet's CSI mount under that pod). A claim that is not bound holds
 * no data and is skipped; a file-level claim whose files no node agent can find is a failure.
 */
final class ApplicationVolumes {

  /** A claim to snapshot: where its request goes, or why it cannot be. */
  record Claim(String uid, String name, String node, String nodePath, Map<String, String> parameters, String problem,
      String skipped) {
    String key() {
      return parameters.get("namespace") + "/" + name;
    }
  }

  private ApplicationVolumes() {}

  /** Every claim of {@code namespace}, by name. */
  static List<Claim> of(KubernetesClient client, String namespace, List<Pod> pods, VolumePolicies policies) {
    List<PersistentVolumeClaim> claims = new ArrayList<>(client.persistentVolumeClaims().inNamespace(namespace).list()
        .getItems());
    claims.sort(Comparator.comparing(c -> c.getMetadata().getName()));
    List<Claim> planned = new ArrayList<>();
    for (PersistentVolumeClaim claim : claims) {
      planned.add(plan(client, namespace, claim, pods, policies));
    }
    return planned;
  }

  private static Claim plan(KubernetesClient client, String namespace, PersistentVolumeClaim claim, List<Pod> pods,
      VolumePolicies policies) {
    String name = claim.getMetadata().getName();
    String uid = claim.getMetadata().getUid();
    String phase = claim.getStatus() == null ? null : claim.getStatus().getPhase();
    String pvName = claim.getSpec() == null ? null : claim.getSpec().getVolumeName();
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("namespace", namespace);
    parameters.put("pvc", name);
    if (!"Bound".equals(phase) || pvName == null || pvName.isEmpty()) {
      return new Claim(uid, name, null, null, parameters, null, "not bound (" + (phase == null ? "no phase" : phase)
          + "): it holds no data yet");
    }
    PersistentVolume volume = client.persistentVolumes().withName(pvName).get();
    parameters.put("pv", pvName);
    String storageClass = claim.getSpec().getStorageClassName();
    if (storageClass == null && volume != null && volume.getSpec() != null) {
      storageClass = volume.getSpec().getStorageClassName();
    }
    if (storageClass != null) {
      parameters.put("storageClass", storageClass);
    }
    String driver = volume != null && volume.getSpec() != null && volume.getSpec().getCsi() != null
        ? volume.getSpec().getCsi().getDriver() : null;
    if (driver != null) {
      parameters.put("csiDriver", driver);
    }
    Map<String, String> labels = claim.getMetadata().getLabels() == null ? Map.of() : claim.getMetadata().getLabels();
    VolumePolicy.Method method = policies.match(storageClass, labels).map(VolumePolicy::method)
        .orElse(VolumePolicy.Method.FILE);
    if (method == VolumePolicy.Method.CSI) {
      parameters.put("method", "csi");
      return new Claim(uid, name, null, null, parameters, null, null);
    }
    Pod mounter = pods.stream().filter(p -> mounts(p, name)).findFirst().orElse(null);
    String node = mounter == null ? null : mounter.getSpec().getNodeName();
    String nodePath = nodePath(volume, driver, mounter == null ? null : mounter.getMetadata().getUid());
    if (nodePath == null) {
      return new Claim(uid, name, node, null, parameters, "no node agent can read its files: "
          + (volume == null ? "its volume " + pvName + " is not found"
              : driver != null ? "a CSI volume that no running pod mounts (mount it, or give it a csi volume policy)"
                  : "its volume type has no path on a node (give it a csi volume policy)"), null);
    }
    return new Claim(uid, name, node, nodePath, parameters, null, null);
  }

  /** A pod placed on a node, not finished, that names the claim among its volumes. */
  static boolean mounts(Pod pod, String claim) {
    if (pod.getSpec() == null || pod.getSpec().getNodeName() == null || pod.getSpec().getVolumes() == null) {
      return false;
    }
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
      return false;
    }
    for (Volume v : pod.getSpec().getVolumes()) {
      if (v.getPersistentVolumeClaim() != null && claim.equals(v.getPersistentVolumeClaim().getClaimName())) {
        return true;
      }
    }
    return false;
  }

  /** Where the volume's files are on the node, by the watcher's rule ({@link VolumeNodePaths}). */
  static String nodePath(PersistentVolume volume, String csiDriver, String podUid) {
    if (volume == null || volume.getSpec() == null) {
      return null;
    }
    var spec = volume.getSpec();
    return VolumeNodePaths.of(volume.getMetadata() == null ? null : volume.getMetadata().getName(),
        spec.getHostPath() == null ? null : spec.getHostPath().getPath(),
        spec.getLocal() == null ? null : spec.getLocal().getPath(), csiDriver, podUid);
  }
}
