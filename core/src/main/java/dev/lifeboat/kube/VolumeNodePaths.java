package dev.lifeboat.kube;

/**
 * Where a persistent volume's files are on the node that mounts it, when the API alone tells: a
 * hostPath or local volume names its path; a CSI volume is published by the kubelet under the
 * mounting pod's directory. Other volume types (in-tree network and cloud disks) have no path a node
 * agent could rely on, so they get none. The one rule for the watcher, which publishes the path, and
 * the commands worker, which resolves an application's volumes when it asks for snapshots.
 */
public final class VolumeNodePaths {
  /** Where the kubelet keeps its pods' directories. */
  public static final String KUBELET_PODS = "/var/lib/kubelet/pods/";

  private VolumeNodePaths() {}

  /**
   * @param volumeName the persistent volume's name
   * @param hostPath its {@code spec.hostPath.path}, or null
   * @param localPath its {@code spec.local.path}, or null
   * @param csiDriver its {@code spec.csi.driver}, or null when it is not a CSI volume
   * @param podUid uid of the pod that mounts it, or null when not mounted (or the pod is unknown)
   * @return the path on the node, or null when it cannot be known
   */
  public static String of(String volumeName, String hostPath, String localPath, String csiDriver, String podUid) {
    if (present(hostPath)) {
      return hostPath;
    }
    if (present(localPath)) {
      return localPath;
    }
    if (present(csiDriver) && present(podUid) && present(volumeName)) {
      return csiMount(podUid, volumeName);
    }
    return null;
  }

  /** The kubelet's mount point of a CSI volume in a pod: {@code <pods>/<uid>/volumes/kubernetes.io~csi/<pv>/mount}. */
  public static String csiMount(String podUid, String volumeName) {
    return KUBELET_PODS + podUid + "/volumes/kubernetes.io~csi/" + volumeName + "/mount";
  }

  private static boolean present(String s) {
    return s != null && !s.isEmpty();
  }
}
