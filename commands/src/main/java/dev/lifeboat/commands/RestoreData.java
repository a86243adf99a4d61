package dev.lifeboat.commands;

import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.ManifestStore;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.changelog.ChangeLogEntry;
import dev.lifeboat.repository.changelog.SegmentFormat;
import dev.lifeboat.repository.changelog.SegmentRef;
import dev.lifeboat.repository.changelog.SegmentStore;
import dev.lifeboat.repository.resources.PointInTime;
import dev.lifeboat.repository.resources.ResourceSnapshots;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * What the repository holds for restores: snapshots by id, the oldest instant whose resources can be
 * rebuilt, the newest etcd snapshot at or before an instant. The repository is opened on first use
 * (its chunk index loads then) and kept; while none exists yet, every question answers "nothing".
 */
public final class RestoreData {
  private final String cluster;
  private final Callable<Optional<Repository>> open;
  private final byte[] masterKey;
  private Repository repository;
  private SegmentStore segments;

  /** A manifest and where it is stored. */
  public record Found(String key, Manifest manifest) {}

  /**
   * @param open opens the repository; empty when there is none (yet)
   * @param masterKey unwraps the data key of the change-log segments
   */
  public RestoreData(String cluster, Callable<Optional<Repository>> open, byte[] masterKey) {
    this.cluster = cluster;
    this.open = open;
    this.masterKey = masterKey;
  }

  public String cluster() {
    return cluster;
  }

  /** The repository, opened once; empty when there is none yet. */
  public synchronized Optional<Repository> repository() throws Exception {
    if (repository == null) {
      Optional<Repository> opened = open.call();
      if (opened.isEmpty()) {
        return Optional.empty();
      }
      segments = SegmentStore.open(opened.get(), masterKey);
      repository = opened.get();
    }
    return Optional.of(repository);
  }

  public synchronized SegmentStore segments() throws Exception {
    repository();
    return segments;
  }

  /** The repository, or a message saying why there is none. */
  Repository require() throws Exception {
    return repository().orElseThrow(() -> new IllegalStateException("there is no repository yet: no snapshot was taken"));
  }

  public PointInTime pointInTime() throws Exception {
    return PointInTime.of(require(), segments());
  }

  /** The snapshot with this id, of any kind and target. */
  public Optional<Found> snapshot(String snapshotId) throws Exception {
    Optional<Repository> repo = repository();
    if (repo.isEmpty()) {
      return Optional.empty();
    }
    List<String> keys = new ArrayList<>();
    repo.get().manifests().listAll(key -> {
      if (key.endsWith("/" + snapshotId)) {
        keys.add(key);
      }
    });
    for (String key : keys) {
      Optional<Manifest> manifest = repo.get().manifests().read(key);
      if (manifest.isPresent() && snapshotId.equals(manifest.get().snapshotId())) {
        return Optional.of(new Found(key, manifest.get()));
      }
    }
    return Optional.empty();
  }

  /**
   * The oldest instant whose resources can be rebuilt: the cut of the oldest whole-cluster resource
   * snapshot of this cluster, or earlier when the archived change log reaches back to the first
   * offset of every partition (then the state can be replayed from nothing). Empty: no resource
   * data at all.
   */
  public Optional<Instant> oldestResourceInstant() throws Exception {
    Optional<Repository> repo = repository();
    if (repo.isEmpty()) {
      return Optional.empty();
    }
    Instant oldest = null;
    for (String key : repo.get().manifests().list(ResourceSnapshots.KIND, ResourceSnapshots.WHOLE_CLUSTER)) {
      Optional<Manifest> m = repo.get().manifests().read(key);
      if (m.isPresent() && cluster.equals(m.get().cluster())) {
        oldest = ResourceSnapshots.cutTime(m.get().details());
        break;
      }
    }
    Instant archiveStart = archiveStart();
    if (archiveStart != null && (oldest == null || archiveStart.isBefore(oldest))) {
      oldest = archiveStart;
    }
    return Optional.ofNullable(oldest);
  }

  /** The time of the first archived change when the archive is complete from offset 0, else null. */
  private Instant archiveStart() throws Exception {
    TreeMap<Integer, List<SegmentRef>> all = segments().listAll(cluster);
    if (all.isEmpty() || all.values().stream().anyMatch(refs -> refs.isEmpty() || refs.get(0).firstOffset() != 0)) {
      return null;
    }
    Instant first = null;
    for (List<SegmentRef> refs : all.values()) {
      Optional<byte[]> plain = segments().read(refs.get(0).key());
      if (plain.isEmpty()) {
        return null;
      }
      for (ChangeLogEntry entry : SegmentFormat.read(plain.get()).entries()) {
        if (first == null || entry.timestamp().isBefore(first)) {
          first = entry.timestamp();
        }
      }
    }
    return first;
  }

  /**
   * The newest snapshot of {@code kind} of this cluster (any target) taken at or before {@code at};
   * ids start with their time, so the listing is searched from its end.
   */
  public Optional<Found> newestAtOrBefore(SnapshotKind kind, Instant at) throws Exception {
    return newestAtOrBefore(kind, null, at);
  }

  /**
   * As {@link #newestAtOrBefore(SnapshotKind, Instant)}, among the snapshots of {@code target} or,
   * when it ends in {@code /}, of any target under it (null: any target).
   */
  public Optional<Found> newestAtOrBefore(SnapshotKind kind, String target, Instant at) throws Exception {
    Optional<Repository> repo = repository();
    if (repo.isEmpty()) {
      return Optional.empty();
    }
    List<String> keys = keysByTime(repo.get(), kind);
    if (target != null) {
      String prefix = ManifestStore.prefix(kind) + java.net.URLEncoder.encode(target, java.nio.charset.StandardCharsets.UTF_8)
          + (target.endsWith("/") ? "" : "/");
      keys.removeIf(key -> !key.startsWith(prefix));
    }
    for (int i = keys.size() - 1; i >= 0; i--) {
      Optional<Manifest> m = repo.get().manifests().read(keys.get(i));
      if (m.isPresent() && cluster.equals(m.get().cluster()) && !m.get().createdAt().isAfter(at)) {
        return Optional.of(new Found(keys.get(i), m.get()));
      }
    }
    return Optional.empty();
  }

  /** The oldest snapshot of {@code kind} of this cluster, for messages. */
  public Optional<Instant> oldestOf(SnapshotKind kind) throws Exception {
    Optional<Repository> repo = repository();
    if (repo.isEmpty()) {
      return Optional.empty();
    }
    for (String key : keysByTime(repo.get(), kind)) {
      Optional<Manifest> m = repo.get().manifests().read(key);
      if (m.isPresent() && cluster.equals(m.get().cluster())) {
        return Optional.of(m.get().createdAt());
      }
    }
    return Optional.empty();
  }

  /** The manifest keys of every snapshot of {@code kind}, any target, oldest first (ids start with their time). */
  private static List<String> keysByTime(Repository repository, SnapshotKind kind) {
    String prefix = ManifestStore.prefix(kind);
    List<String> keys = new ArrayList<>();
    repository.manifests().listAll(key -> {
      if (key.startsWith(prefix)) {
        keys.add(key);
      }
    });
    keys.sort((a, b) -> a.substring(a.lastIndexOf('/') + 1).compareTo(b.substring(b.lastIndexOf('/') + 1)));
    return keys;
  }
}
