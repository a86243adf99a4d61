package dev.lifeboat.repository.controlplane;

import java.util.Map;
import java.util.Optional;

/**
 * The names a control-plane snapshot is written and found by: a {@code VOLUME} manifest of target
 * {@code control-plane/<node>} (the files of that node's {@code /etc/kubernetes}: the cluster and
 * etcd CAs, the service-account keys, the static pod manifests), whose details name the etcd
 * snapshot it was taken beside. Declared here, once, because the snapshotter writes them and the
 * restore reads them, and neither depends on the other.
 */
public final class ControlPlaneSnapshots {
  /** Every control-plane target starts with this: {@code control-plane/<node>}. */
  public static final String TARGET_PREFIX = "control-plane/";
  /** Detail: the id of the etcd snapshot this one was taken beside. */
  public static final String ETCD_SNAPSHOT_ID = "etcdSnapshotId";
  /** Detail: the manifest key of that etcd snapshot. */
  public static final String ETCD_MANIFEST_KEY = "etcdManifestKey";
  /** Detail: the node whose files these are. */
  public static final String NODE = "node";
  /** Detail: the paths snapshotted, comma-separated, as configured (absolute paths on the node). */
  public static final String PATHS = "paths";

  private ControlPlaneSnapshots() {}

  /** The target of {@code node}'s control-plane snapshots. */
  public static String target(String node) {
    return TARGET_PREFIX + node;
  }

  /** True for a VOLUME target that holds a control plane's files. */
  public static boolean isControlPlane(String target) {
    return target != null && target.startsWith(TARGET_PREFIX);
  }

  /** The etcd snapshot a control-plane snapshot's details name, if any. */
  public static Optional<String> etcdSnapshotId(Map<String, String> details) {
    return Optional.ofNullable(details == null ? null : details.get(ETCD_SNAPSHOT_ID));
  }
}
