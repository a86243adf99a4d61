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
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.function.Consumer;
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
 * <p>Memory: the key of every object of the selected namespaces and where its document is: the
 * documents themselves are spilled to a file in the spill directory ({@link SpilledObjects}, about
 * 150 bytes plus the key per object in memory), plus one change-log segment per partition. The
 * state must be closed, which deletes the file.
 */
public final class PointInTime {
  private static final Logger log = LoggerFactory.getLogger(PointInTime.class);
  private static final DateTimeFormatter SNAPSHOT_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final ManifestStore manifests;
  private final ChunkStore chunks;
  private final ChangeLog changeLog;
  private final Path spillDirectory;

  /** @param spillDirectory where a state's documents are spilled (the JVM's temporary directory when null) */
  public PointInTime(ManifestStore manifests, ChunkStore chunks, ChangeLog changeLog, Path spillDirectory) {
    this.manifests = manifests;
    this.chunks = chunks;
    this.changeLog = changeLog;
    this.spillDirectory = spillDirectory;
  }

  /** Spilling to the JVM's temporary directory. */
  public static PointInTime of(Repository repository, SegmentStore segments) {
    return of(repository, segments, null);
  }

  public static PointInTime of(Repository repository, SegmentStore segments, Path spillDirectory) {
    return new PointInTime(repository.manifests(), repository.chunks(), new ChangeLog(segments), spillDirectory);
  }

  /**
   * The objects at {@code at}.
   *
   * @param snapshotId the snapshot started from, or null when the change log alone was replayed
   * @param replayedFrom per partition, the offset the change log was replayed from
   * @param changesApplied changes read from the archive and applied (deletions included)
   * @param objects the objects at {@code at}, their documents on disk until {@link #close()}
   * @param gaps offset ranges the archive lacks: when not empty, changes may be missing
   * @param recoveryPoint the newest instant this state is known at: the time of the newest change
   *     the archive holds at or before {@code at} (of any namespace: the archive is one log), or the
   *     snapshot's cut when that is later; null when neither exists. Nothing after it can be
   *     restored from this repository: {@code at} minus it is the recovery point objective achieved.
   */
  public record State(String cluster, Instant at, String snapshotId, Map<Integer, Long> replayedFrom,
      long changesApplied, SpilledObjects objects, List<ChangeLog.Gap> gaps, Instant recoveryPoint)
      implements AutoCloseable {

    /** The namespaces that hold objects ({@link ResourceDocument#CLUSTER_SCOPED} too), in order. */
    public SortedSet<String> namespaces() {
      return objects.namespaces();
    }

    /** The objects of one namespace, by key, read into memory (empty when it had none). */
    public SortedMap<String, ResourceDocument> objects(String namespace) {
      return objects.objects(namespace);
    }

    /** Every object, in key order, read from disk one at a time. */
    public void forEach(Consumer<ResourceDocument> each) {
      objects.forEach(each);
    }

    public long objectCount() {
      return objects.size();
    }

    /** Deletes the spilled documents. */
    @Override
    public void close() {
      try {
        objects.close();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete the spilled state of " + cluster, e);
      }
    }
  }

  /** Every namespace and the cluster-scoped objects at {@code at}. */
  public State stateAt(String cluster, Instant at) {
    return stateAt(cluster, at, namespace -> true);
  }

  /** The objects of the namespaces {@code namespaces} accepts ({@link ResourceDocument#CLUSTER_SCOPED} too) at {@code at}. */
  public State stateAt(String cluster, Instant at, Predicate<String> namespaces) {
    SpilledObjects state;
    try {
      state = new SpilledObjects(spillDirectory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a spill file in " + spillDirectory, e);
    }
    try {
      return stateInto(state, cluster, at, namespaces);
    } catch (IOException | RuntimeException e) {
      try {
        state.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      if (e instanceof IOException io) {
        throw new UncheckedIOException("cannot spill the state of " + cluster + " at " + at, io);
      }
      throw (RuntimeException) e;
    }
  }

  private State stateInto(SpilledObjects state, String cluster, Instant at, Predicate<String> namespaces)
      throws IOException {
    Optional<Manifest> snapshot = snapshotAtOrBefore(cluster, at);
    Map<Integer, Long> start = Map.of();
    if (snapshot.isPresent()) {
      Manifest manifest = snapshot.get();
      start = ResourceSnapshots.parseOffsets(manifest.details().get(ResourceSnapshots.CHANGES_OFFSETS));
      for (Manifest.Stream stream : manifest.streams()) {
        if (namespaces.test(stream.name())) {
          ResourceSnapshots.readInto(chunks, stream, state);
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
        state.remove(entry.key());
      } else {
        state.put(ResourceDocument.of(entry.key(), entry.change()));
      }
    }
    state.finishWriting();
    State result = new State(cluster, at, snapshot.map(Manifest::snapshotId).orElse(null), start, applied, state,
        replay.gaps(), newest);
    log.info("State of cluster {} at {}: {} objects in {} namespaces from snapshot {} and {} archived changes ({} gaps),"
        + " known up to {}; {} bytes spilled", cluster, at, result.objectCount(), state.namespaces().size(),
        result.snapshotId(), applied, result.gaps().size(), newest, state.spilledBytes());
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

}
