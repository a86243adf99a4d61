package dev.lifeboat.watcher.volume;

/**
 * Where a volume's files are on the node that mounts it, when that can be known from the API alone:
 * a hostPath or local volume names its path; a CSI volume is published by the kubelet under the
 * mounting pod's directory. Other volume types (in-tree network and cloud disks) have no path a node
 * agent could rely on, so they get none.
 */
final class NodePaths {
  static final String KUBELET_PODS = "/var/lib/kubelet/pods/";

  private NodePaths() {}

  /**
   * @param volume the claim's volume, or null when unknown
   * @param podUid uid of the pod that mounts it, or null when not mounted (or the pod is unknown)
   */
  static String of(VolumeView volume, String csiDriver, String podUid) {
    if (volume == null) {
      return null;
    }
    if (present(volume.hostPath())) {
      return volume.hostPath();
    }
    if (present(volume.localPath())) {
      return volume.localPath();
    }
    if (present(csiDriver) && present(podUid)) {
      return csiMount(podUid, volume.name());
    }
    return null;
  }

  /** The kubelet's mount point of a CSI volume in a pod: {@code <pods>/<uid>/volumes/kubernetes.io~csi/<pv>/mount}. */
  static String csiMount(String podUid, String pvName) {
    return KUBELET_PODS + podUid + "/volumes/kubernetes.io~csi/" + pvName + "/mount";
  }

  private static boolean present(String s) {
    return s != null && !s.isEmpty();
  }
}
