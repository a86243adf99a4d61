package dev.lifeboat.watcher.volume;

import dev.lifeboat.kube.VolumeNodePaths;

/** {@link VolumeNodePaths} for the watcher's view of a volume. */
final class NodePaths {
  private NodePaths() {}

  /**
   * @param volume the claim's volume, or null when unknown
   * @param podUid uid of the pod that mounts it, or null when not mounted (or the pod is unknown)
   */
  static String of(VolumeView volume, String csiDriver, String podUid) {
    return volume == null ? null
        : VolumeNodePaths.of(volume.name(), volume.hostPath(), volume.localPath(), csiDriver, podUid);
  }
}
