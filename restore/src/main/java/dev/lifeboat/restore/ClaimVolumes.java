package dev.lifeboat.restore;

import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.ManifestStore;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * The volume side of a recovery point: for a restored claim, the newest completed volume snapshot of
 * the source claim taken at or before the instant the resources are restored at. Volume snapshots
 * are named by the claim's uid (what the watcher and the snapshotter know a volume by), so a claim is
 * found by the uid its restored document recorded, not by its name, which a deleted and recreated
 * claim would share with an older volume.
 */
final class ClaimVolumes {
  private final ManifestStore manifests;
  private final String cluster;

  ClaimVolumes(ManifestStore manifests, String cluster) {
    this.manifests = manifests;
    this.cluster = cluster;
  }

  /**
   * The snapshot a claim's data comes from.
   *
   * @param skew how far the snapshot lies before the resources' instant: the claim's data is that much
   *     older than its objects
   */
  record Pick(Manifest manifest, Duration skew) {}

  /**
   * The newest completed snapshot of claim {@code uid} at or before {@code at}, file-level or CSI
   * ({@link CsiClaimSources#isCsi}); empty when there is none.
   */
  Optional<Pick> newestAtOrBefore(String uid, Instant at) {
    if (uid == null || uid.isBlank()) {
      return Optional.empty();
    }
    List<String> keys = manifests.list(SnapshotKind.VOLUME, uid);
    for (int i = keys.size() - 1; i >= 0; i--) {
      Optional<Manifest> m = manifests.read(keys.get(i));
      if (m.isPresent() && cluster.equals(m.get().cluster()) && m.get().phase() == SnapshotPhase.COMPLETED
          && (m.get().files() != null || CsiClaimSources.isCsi(m.get())) && !m.get().createdAt().isAfter(at)) {
        return Optional.of(new Pick(m.get(), Duration.between(m.get().createdAt(), at).truncatedTo(ChronoUnit.MILLIS)));
      }
    }
    return Optional.empty();
  }
}
