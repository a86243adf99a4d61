package dev.lifeboat.snapshotter.controlplane;

import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.repository.controlplane.ControlPlaneSnapshots;
import dev.lifeboat.retry.PermanentFailure;
import dev.lifeboat.snapshotter.SnapshotRequestHandler.Source;
import dev.lifeboat.snapshotter.SnapshotRequestHandler.Taken;
import dev.lifeboat.snapshotter.volume.VolumeSnapshotter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Takes a control-plane snapshot: the configured paths of this node (by default {@code
 * /etc/kubernetes/pki} and {@code /etc/kubernetes/manifests}) as one VOLUME snapshot of target
 * {@code control-plane/<node>}, rooted at their deepest common directory so that a restore gives
 * the layout an operator copies back ({@code pki/...}, {@code manifests/...}). Files are read and
 * stored like any volume's: chunked, deduplicated, sealed; their content is never logged. The etcd
 * snapshot it goes with comes in the request's parameters and is written into the manifest's
 * details.
 */
public final class ControlPlaneSource implements Source {
  private final VolumeSnapshotter files;
  private final String cluster;
  private final String nodeName;
  private final List<Path> paths;
  private final Path root;
  private final List<String> only;

  public ControlPlaneSource(VolumeSnapshotter files, String cluster, String nodeName, List<Path> paths) {
    if (paths.isEmpty()) {
      throw new IllegalArgumentException("no control-plane paths");
    }
    this.files = files;
    this.cluster = cluster;
    this.nodeName = nodeName;
    this.paths = List.copyOf(paths);
    this.root = commonRoot(paths);
    this.only = paths.stream().map(p -> root.relativize(p).toString().replace('\\', '/')).toList();
  }

  /**
   * The deepest directory every path is in, and never one of the paths themselves, so that each
   * keeps its own name in the snapshot ({@code /etc/kubernetes/pki} alone is {@code pki/...} under
   * {@code /etc/kubernetes}).
   */
  static Path commonRoot(List<Path> paths) {
    Path common = paths.get(0);
    for (Path p : paths) {
      while (!p.startsWith(common)) {
        common = common.getParent();
      }
    }
    if (paths.contains(common)) {
      common = common.getParent() == null ? common.getRoot() : common.getParent();
    }
    return common;
  }

  Path root() {
    return root;
  }

  @Override
  public Taken take(SnapshotRequested request, String snapshotId) throws Exception {
    List<Path> missing = paths.stream().filter(p -> !Files.exists(p, LinkOption.NOFOLLOW_LINKS)).toList();
    if (!missing.isEmpty()) {
      throw new PermanentFailure("the control-plane files " + missing + " are not on node " + nodeName + ": is it a"
          + " control-plane node, with its /etc/kubernetes mounted at the same path? (snapshotter.controlPlane.paths)");
    }
    Map<String, String> details = new LinkedHashMap<>();
    details.put(ControlPlaneSnapshots.NODE, nodeName);
    details.put(ControlPlaneSnapshots.PATHS, paths.stream().map(Path::toString).collect(Collectors.joining(",")));
    for (String key : List.of(ControlPlaneSnapshots.ETCD_SNAPSHOT_ID, ControlPlaneSnapshots.ETCD_MANIFEST_KEY)) {
      String value = request.getParameters().get(key);
      if (value != null) {
        details.put(key, value);
      }
    }
    VolumeSnapshotter.Result r = files.snapshot(root, new VolumeSnapshotter.Selection(only, details), cluster,
        request.getTarget(), snapshotId, bytes -> {});
    return new Taken(r.manifest(), r.written(), r.newChunks(), r.newBytes());
  }
}
