package dev.lifeboat.restore;

import dev.lifeboat.repository.ChunkStore.MissingChunkException;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.ManifestStore;
import dev.lifeboat.repository.changelog.ChangeLog;
import dev.lifeboat.repository.chunk.ChunkCorruptedException;
import dev.lifeboat.repository.pack.PackCorruptedException;
import dev.lifeboat.repository.resources.PointInTime;
import dev.lifeboat.repository.resources.ResourceDocument;
import dev.lifeboat.repository.resources.ResourceSnapshots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Reads the objects a plan restores from the repository: the streams of a snapshot (each checked
 * against its SHA-256, every chunk authenticated), or the state at a point in time. Damage is
 * reported as {@link RestoreDataException} naming the chunk or stream.
 */
final class ResourceReader {
  private final RestoreSource source;

  ResourceReader(RestoreSource source) {
    this.source = source;
  }

  /**
   * What was read.
   *
   * @param expectedPerNamespace object counts the manifest records per stream read (snapshot restores)
   * @param recoveryPoint the newest instant the state read is known at (null: nothing was read)
   */
  record Read(String snapshotId, long changesApplied, List<ChangeLog.Gap> gaps, List<ResourceDocument> documents,
      Map<String, Long> expectedPerNamespace, Instant recoveryPoint) {}

  Read read(ResourceRestorePlan plan, Progress progress) {
    Predicate<String> streams = streamFilter(plan);
    try {
      return plan.snapshotId() != null ? readSnapshot(plan, streams, progress) : readPointInTime(plan, streams, progress);
    } catch (ChunkCorruptedException e) {
      throw new RestoreDataException("chunk " + e.chunkId(), e.getMessage(), e);
    } catch (MissingChunkException e) {
      throw new RestoreDataException("chunk " + e.chunkId(), e.getMessage(), e);
    } catch (PackCorruptedException e) {
      throw new RestoreDataException(e.object(), e.getMessage(), e);
    }
  }

  /** Which streams (namespaces, and {@code _cluster}) the plan needs. */
  static Predicate<String> streamFilter(ResourceRestorePlan plan) {
    return name -> ResourceDocument.CLUSTER_SCOPED.equals(name)
        ? plan.clusterScoped() != ResourceRestorePlan.ClusterScope.NONE
        : plan.namespaces().isEmpty() || plan.namespaces().contains(name);
  }

  private Read readSnapshot(ResourceRestorePlan plan, Predicate<String> streams, Progress progress) {
    Manifest manifest = findSnapshot(plan.snapshotId());
    if (!plan.cluster().equals(manifest.cluster())) {
      throw new RestoreDataException("manifest " + manifest.snapshotId(), "snapshot " + manifest.snapshotId()
          + " is of cluster " + manifest.cluster() + ", not " + plan.cluster(), null);
    }
    List<Manifest.Stream> selected = manifest.streams().stream().filter(s -> streams.test(s.name())).toList();
    long bytesTotal = selected.stream().mapToLong(Manifest.Stream::size).sum();
    long bytesDone = 0;
    List<ResourceDocument> documents = new ArrayList<>();
    Map<String, Long> expected = new java.util.TreeMap<>();
    for (Manifest.Stream stream : selected) {
      readStream(stream, documents::add);
      bytesDone += stream.size();
      String count = manifest.details() == null ? null : manifest.details().get(ResourceSnapshots.OBJECTS_PREFIX + stream.name());
      if (count != null) {
        expected.put(stream.name(), Long.parseLong(count));
      }
      progress.report(Progress.Update.of("reading", documents.size(), -1, "objects").withBytes(bytesDone, bytesTotal));
    }
    Instant cut = manifest.details() != null && manifest.details().containsKey(ResourceSnapshots.CUT_TIME)
        ? ResourceSnapshots.cutTime(manifest.details()) : manifest.createdAt();
    return new Read(manifest.snapshotId(), 0, List.of(), documents, expected, cut);
  }

  private Read readPointInTime(ResourceRestorePlan plan, Predicate<String> streams, Progress progress) {
    PointInTime.State state;
    try {
      state = PointInTime.of(source.repository(), source.segments()).stateAt(plan.cluster(), plan.atTime(), streams);
    } catch (IllegalStateException e) {
      String message = e.getMessage() == null ? "" : e.getMessage();
      int end = message.indexOf(' ', "stream ".length());
      if (message.startsWith("stream ") && end > 0) { // a stream that does not hash to its manifest's SHA-256
        throw new RestoreDataException(message.substring(0, end), message, e);
      }
      throw e;
    }
    List<ResourceDocument> documents = new ArrayList<>();
    state.namespaces().values().forEach(objects -> documents.addAll(objects.values()));
    progress.report(Progress.Update.of("reading", documents.size(), documents.size(), "objects"));
    return new Read(state.snapshotId(), state.changesApplied(), state.gaps(), documents, Map.of(), state.recoveryPoint());
  }

  /** The manifest of a resource snapshot by id: whole-cluster snapshots first, then any target. */
  Manifest findSnapshot(String snapshotId) {
    Optional<Manifest> whole = source.repository().manifests().read(ManifestStore.key(ResourceSnapshots.KIND,
        ResourceSnapshots.WHOLE_CLUSTER, snapshotId));
    return whole.or(() -> source.findManifest(ResourceSnapshots.KIND, snapshotId))
        .orElseThrow(() -> new RestoreDataException("manifest " + snapshotId, "no resource snapshot " + snapshotId + " in "
            + source.describe(), null));
  }

  private void readStream(Manifest.Stream stream, java.util.function.Consumer<ResourceDocument> each) {
    String actual;
    try {
      actual = ResourceSnapshots.readDocuments(source.repository().chunks(), stream, each);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read stream " + stream.name() + " from " + source.describe(), e);
    } catch (IllegalArgumentException e) {
      throw new RestoreDataException("stream " + stream.name(), "stream " + stream.name() + " holds a line that is not a"
          + " resource document: " + e.getMessage(), e);
    }
    if (!actual.equals(stream.sha256())) {
      throw new RestoreDataException("stream " + stream.name(), "stream " + stream.name() + " hashes to " + actual
          + ", its manifest says " + stream.sha256(), null);
    }
  }
}
