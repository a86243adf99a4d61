package dev.lifeboat.repository.resources;

import dev.lifeboat.events.v1.ChangeType;
import dev.lifeboat.repository.ChunkStore;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.ManifestStore;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.changelog.ChangeLog;
import dev.lifeboat.repository.changelog.ChangeLogEntry;
import dev.lifeboat.repository.changelog.SegmentStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconstructs the objects of a cluster as they were at any instant: the latest resource snapshot
 * of the whole cluster whose cut is at or before that instant, then the archived changes after the
 * snapshot's recorded offsets up to the instant (in offset order per partition, so the last change of
 * each object at or before the instant wins; a deletion removes it). Without such a snapshot the
 * whole archived change log is replayed.
 *
 * <p>Memory: the objects of the selected namespaces at that instant, plus one change-log segment per
 * partition.
 */
public final class PointInTime {
  private static final Logger log = LoggerFactory.getLogger(PointInTime.class);
  private static final DateTimeFormatter SNAPSHOT_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final ManifestStore manifests;
  private final ChunkStore chunks;
  private final ChangeLog changeLog;

  public PointInTime(ManifestStore manifests, ChunkStore chunks, ChangeLog changeLog) {
    this.manifests = manifests;
    this.chunks = chunks;
    this.changeLog = changeLog;
  }

  public static PointInTime of(Repository repository, SegmentStore segments) {
    return new PointInTime(repository.manifests(), repository.chunks(), new ChangeLog(segments));
  }

  /**
   * The objects at {@code at}.
   *
   * @param snapshotId the snapshot started from, or null when the change log alone was replayed
   * @param replayedFrom per partition, the offset the change log was replayed from
   * @param changesApplied changes read from the archive and applied (deletions included)
   * @param namespaces namespace (or {@link ResourceDocument#CLUSTER_SCOPED}) to objects by key
   * @param gaps offset ranges the archive lacks: when not empty, changes may be missing
   * @param recoveryPoint the newest instant this state is known at: the time of the newest change
   *     the archive holds at or before {@code at} (of any namespace: the archive is one log), or the
   *     snapshot's cut when that is later; null when neither exists. Nothing after it can be
   *     restored from this repository: {@code at} minus it is the recovery point objective achieved.
   */
  public record State(String cluster, Instant at, String snapshotId, Map<Integer, Long> replayedFrom,
      long changesApplied, SortedMap<String, SortedMap<String, ResourceDocument>> namespaces,
      List<ChangeLog.Gap> gaps, Instant recoveryPoint) {

    /** The objects of one namespace, by key (empty when it had none). */
    public SortedMap<String, ResourceDocument> objects(String namespace) {
      return namespaces.getOrDefault(namespace, Collections.emptySortedMap());
    }

    public long objectCount() {
      return namespaces.values().stream().mapToLong(Map::size).sum();
    }
  }

  /** Every namespace and the cluster-scoped objects at {@code at}. */
  public State stateAt(String cluster, Instant at) {
    return stateAt(cluster, at, namespace -> true);
  }

  /** The objects of the namespaces {@code namespaces} accepts ({@link ResourceDocument#CLUSTER_SCOPED} too) at {@code at}. */
  public State stateAt(String cluster, Instant at, Predicate<String> namespaces) {
    SortedMap<String, SortedMap<String, ResourceDocument>> state = new TreeMap<>();
    Optional<Manifest> snapshot = snapshotAtOrBefore(cluster, at);
    Map<Integer, Long> start = Map.of();
    if (snapshot.isPresent()) {
      Manifest manifest = snapshot.get();
      start = ResourceSnapshots.parseOffsets(manifest.details().get(ResourceSnapshots.CHANGES_OFFSETS));
      for (Manifest.Stream stream : manifest.streams()) {
        if (namespaces.test(stream.name())) {
          SortedMap<String, ResourceDocument> objects = new TreeMap<>();
          readStream(stream, document -> objects.put(document.key(), document));
          state.put(stream.name(), objects);
        }
      }
    }
    ChangeLog.Replay replay = changeLog.replay(cluster, start, at);
    long applied = 0;
    Instant newest = snapshot.map(m -> ResourceSnapshots.cutTime(m.details())).orElse(null);
    while (replay.hasNext()) {
      ChangeLogEntry entry = replay.next();
      if (newest == null || entry.timestamp().isAfter(newest)) {
        newest = entry.timestamp();
      }
      String namespace = ResourceDocument.namespaceOfKey(entry.key());
      if (!namespaces.test(namespace)) {
        continue;
      }
      applied++;
      if (entry.change().getType() == ChangeType.DELETED) {
        SortedMap<String, ResourceDocument> objects = state.get(namespace);
        if (objects != null) {
          objects.remove(entry.key());
        }
      } else {
        state.computeIfAbsent(namespace, n -> new TreeMap<>()).put(entry.key(), ResourceDocument.of(entry.key(), entry.change()));
      }
    }
    state.values().removeIf(Map::isEmpty);
    State result = new State(cluster, at, snapshot.map(Manifest::snapshotId).orElse(null), start, applied, state,
        replay.gaps(), newest);
    log.info("State of cluster {} at {}: {} objects in {} namespaces from snapshot {} and {} archived changes ({} gaps),"
        + " known up to {}", cluster, at, result.objectCount(), state.size(), result.snapshotId(), applied,
        result.gaps().size(), newest);
    return result;
  }

  /** The latest snapshot of the whole cluster whose cut is at or before {@code at}. */
  public Optional<Manifest> snapshotAtOrBefore(String cluster, Instant at) {
    List<String> keys = manifests.list(ResourceSnapshots.KIND, ResourceSnapshots.WHOLE_CLUSTER);
    for (int i = keys.size() - 1; i >= 0; i--) {
      String key = keys.get(i);
      Instant started = startedAt(key);
      if (started != null && started.isAfter(at)) {
        continue; // started after `at`: its cut is later still
      }
      Optional<Manifest> manifest = manifests.read(key);
      if (manifest.isPresent() && cluster.equals(manifest.get().cluster())
          && !ResourceSnapshots.cutTime(manifest.get().details()).isAfter(at)) {
        return manifest;
      }
    }
    return Optional.empty();
  }

  /** The time a snapshot id starts with (its start, to the second, rounded down), or null. */
  private static Instant startedAt(String manifestKey) {
    String id = manifestKey.substring(manifestKey.lastIndexOf('/') + 1);
    int dash = id.indexOf('-');
    try {
      return dash < 0 ? null : Instant.from(SNAPSHOT_TIME.parse(id.substring(0, dash)));
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private void readStream(Manifest.Stream stream, java.util.function.Consumer<ResourceDocument> each) {
    String actual;
    try {
      actual = ResourceSnapshots.readDocuments(chunks, stream, each);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read stream " + stream.name(), e);
    }
    if (!actual.equals(stream.sha256())) {
      throw new IllegalStateException("stream " + stream.name() + " hashes to " + actual + ", its manifest says "
          + stream.sha256());
    }
  }
}
