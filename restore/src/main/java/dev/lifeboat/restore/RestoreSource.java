package dev.lifeboat.restore;

import dev.lifeboat.crypto.KeyRing;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.ManifestStore;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.changelog.SegmentStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;

/**
 * Where a restore reads: a repository (the primary or an off-region copy: same layout), its
 * change-log segments, and the data keys that sealed Secret payloads (absent: an object with a
 * sealed payload cannot be restored, and says so).
 */
public record RestoreSource(Repository repository, SegmentStore segments, Optional<KeyRing> keys) {

  public static RestoreSource of(Repository repository, SegmentStore segments, KeyRing keys) {
    return new RestoreSource(repository, segments, Optional.ofNullable(keys));
  }

  /** Opens the repository in {@code store} (its chunk index is loaded) and its segment store. */
  public static RestoreSource open(BlobStore store, byte[] masterKey, KeyRing keys, MeterRegistry meters) {
    Repository repository = Repository.open(store, masterKey, meters);
    return of(repository, SegmentStore.open(repository, masterKey), keys);
  }

  /**
   * The manifest of snapshot {@code snapshotId} of {@code kind}, whatever its target: what a restore
   * command that names only a snapshot id needs.
   */
  public Optional<Manifest> findManifest(SnapshotKind kind, String snapshotId) {
    String prefix = ManifestStore.prefix(kind);
    String[] found = {null};
    repository.manifests().listAll(key -> {
      if (key.startsWith(prefix) && key.endsWith("/" + snapshotId)) {
        found[0] = key;
      }
    });
    return found[0] == null ? Optional.empty() : repository.manifests().read(found[0]);
  }

  /** Which store and repository this reads, for reports. */
  public String describe() {
    return repository.describe();
  }
}
