package dev.lifeboat.snapshotter;

import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.retry.PermanentFailure;
import dev.lifeboat.snapshotter.SnapshotRequestHandler.Source;
import dev.lifeboat.snapshotter.SnapshotRequestHandler.Taken;
import dev.lifeboat.snapshotter.csi.CsiSnapshotter;
import dev.lifeboat.snapshotter.volume.VolumeSnapshotter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * Takes VOLUME snapshots the way each request asks: through a CSI VolumeSnapshot when its
 * parameters say {@code method=csi}, otherwise by reading the volume's files at the request's node
 * path. The CSI snapshotter is made on the first CSI request, so a setup that only reads files
 * needs no Kubernetes access.
 */
public final class VolumeSource implements Source {
  private final VolumeSnapshotter files;
  private final Supplier<CsiSnapshotter> csiFactory;
  private final String cluster;
  private final String nodeName;
  private CsiSnapshotter csi;

  /**
   * @param csiFactory makes the CSI snapshotter, once
   * @param nodeName the node agent's node, for messages; empty for the cluster-wide snapshotter
   */
  public VolumeSource(VolumeSnapshotter files, Supplier<CsiSnapshotter> csiFactory, String cluster, String nodeName) {
    this.files = files;
    this.csiFactory = csiFactory;
    this.cluster = cluster;
    this.nodeName = nodeName;
  }

  @Override
  public Taken take(SnapshotRequested request, String snapshotId) throws Exception {
    if (CsiSnapshotter.wants(request)) {
      CsiSnapshotter.Result r = csi().snapshot(request, cluster, snapshotId);
      return new Taken(r.manifest(), r.written(), 0, 0, OptionalLong.of(r.restoreSize()));
    }
    if (request.getNodePath() == null || !Files.isDirectory(Path.of(request.getNodePath()))) {
      throw new PermanentFailure("the volume's files are not at " + request.getNodePath() + " on this node"
          + (nodeName.isEmpty() ? "" : " (" + nodeName + ")") + ": no snapshot can be taken here");
    }
    VolumeSnapshotter.Result r = files.snapshot(Path.of(request.getNodePath()), cluster, request.getTarget(), snapshotId,
        bytes -> {});
    return new Taken(r.manifest(), r.written(), r.newChunks(), r.newBytes());
  }

  private synchronized CsiSnapshotter csi() {
    if (csi == null) {
      csi = csiFactory.get();
    }
    return csi;
  }
}
