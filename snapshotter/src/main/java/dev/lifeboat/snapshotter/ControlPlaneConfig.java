package dev.lifeboat.snapshotter;

import dev.lifeboat.config.ConfigReader;
import dev.lifeboat.config.Field;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code snapshotter.controlPlane}: whether this node agent snapshots its node's control-plane files
 * (the PKI and the static pod manifests under {@code /etc/kubernetes}) beside every etcd snapshot.
 * Meant for the agents on control-plane nodes (deploy/components/control-plane); see
 * controlplane/DESIGN.md.
 *
 * @param enabled take a control-plane snapshot after each etcd snapshot completes
 * @param paths absolute paths on the node, directories or files, snapshotted together as one snapshot
 */
public record ControlPlaneConfig(boolean enabled, List<Path> paths) {
  public static final List<String> DEFAULT_PATHS = List.of("/etc/kubernetes/pki", "/etc/kubernetes/manifests");

  static final Field<Boolean> ENABLED = Field.bool("enabled",
      "On a node agent (snapshotter.nodeName set): snapshot this node's control-plane files beside every etcd snapshot.")
      .withDefault(false);
  static final Field<List<String>> PATHS = Field.strings("paths",
      "Absolute paths of the control-plane files, snapshotted together (the PKI and the static pod manifests).")
      .withDefault(DEFAULT_PATHS)
      .validate(p -> !p.isEmpty() && p.stream().allMatch(ControlPlaneConfig::usable), "one or more absolute paths without . or ..");

  public ControlPlaneConfig {
    paths = List.copyOf(paths);
  }

  public static ControlPlaneConfig disabled() {
    return new ControlPlaneConfig(false, DEFAULT_PATHS.stream().map(Path::of).toList());
  }

  static ControlPlaneConfig read(ConfigReader r, String nodeName) {
    boolean enabled = Boolean.TRUE.equals(r.get(ENABLED));
    List<String> paths = r.get(PATHS);
    r.rejectUnknown(List.of());
    if (enabled && nodeName.isEmpty()) {
      r.reportProblem("enabled", "= true needs snapshotter.nodeName: control-plane files are read by the node agent of"
          + " the node that has them");
    }
    return new ControlPlaneConfig(enabled, (paths == null ? DEFAULT_PATHS : paths).stream().filter(ControlPlaneConfig::usable)
        .map(Path::of).toList());
  }

  static List<Field<?>> fields() {
    return List.of(ENABLED, PATHS);
  }

  private static boolean usable(String path) {
    Path p = Path.of(path);
    return p.isAbsolute() && p.normalize().equals(p) && p.getNameCount() > 0;
  }
}
