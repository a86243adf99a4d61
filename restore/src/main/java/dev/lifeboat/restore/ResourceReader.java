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
import dev.lifeboat.repository.resources.SpilledObjects;
import dev.lifeboat.repository.resources.StreamMismatchException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Reads the objects a plan restores from the repository: the streams of a snapshot (each checked
 * against its SHA-256, every chunk authenticated), or the state at a point in time. Damage is
 * reported as {@link RestoreDataException} naming the chunk or stream. The documents read wait in a
 * file in the JVM's temporary directory ({@link SpilledObjects}), not in memory, until the read is
 * closed.
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
  record Read(String snapshotId, long changesApplied, List<ChangeLog.Gap> gaps, SpilledObjects documents,
      Map<String, Long> expectedPerNamespace, Instant recoveryPoint) implements AutoCloseable {

    /** Deletes the spilled documents. */
    @Override
    public void close() {
      try {
        documents.close();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete the documents spilled for a restore", e);
      }
    }
  }

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

  /** Where a restore's documents wait on disk: the JVM's temporary directory. */
  private static SpilledObjects spill() {
    try {
      return new SpilledObjects(null);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a file for the documents to restore in "
          + System.getProperty("java.io.tmpdir") + " (java.io.tmpdir)", e);
    }
  }

  private static void closeQuietly(SpilledObjects documents, RuntimeException failure) {
    try {
      documents.close();
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
  }

  private static void finishWriting(SpilledObjects documents) {
    try {
      documents.finishWriting();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read back the documents spilled for a restore", e);
    }
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
    SpilledObjects documents = spill();
    Map<String, Long> expected = new java.util.TreeMap<>();
    try {
      for (Manifest.Stream stream : selected) {
        readStream(stream, documents);
        bytesDone += stream.size();
        String count = manifest.details() == null ? null
            : manifest.details().get(ResourceSnapshots.OBJECTS_PREFIX + stream.name());
        if (count != null) {
          expected.put(stream.name(), Long.parseLong(count));
        }
        progress.report(Progress.Update.of("reading", documents.size(), -1, "objects").withBytes(bytesDone, bytesTotal));
      }
      finishWriting(documents);
    } catch (RuntimeException e) {
      closeQuietly(documents, e);
      throw e;
    }
    Instant cut = manifest.details() != null && manifest.details().containsKey(ResourceSnapshots.CUT_TIME)
        ? ResourceSnapshots.cutTime(manifest.details()) : manifest.createdAt();
    return new Read(manifest.snapshotId(), 0, List.of(), documents, expected, cut);
  }

  private Read readPointInTime(ResourceRestorePlan plan, Predicate<String> streams, Progress progress) {
    PointInTime.State state;
    try {
      state = PointInTime.of(source.repository(), source.segments()).stateAt(plan.cluster(), plan.atTime(), streams);
    } catch (StreamMismatchException e) {
      throw new RestoreDataException("stream " + e.stream(), e.getMessage(), e);
    }
    progress.report(Progress.Update.of("reading", state.objectCount(), state.objectCount(), "objects"));
    return new Read(state.snapshotId(), state.changesApplied(), state.gaps(), state.objects(), Map.of(),
        state.recoveryPoint());
  }

  /** The manifest of a resource snapshot by id: whole-cluster snapshots first, then any target. */
  Manifest findSnapshot(String snapshotId) {
    Optional<Manifest> whole = source.repository().manifests().read(ManifestStore.key(ResourceSnapshots.KIND,
        ResourceSnapshots.WHOLE_CLUSTER, snapshotId));
    return whole.or(() -> source.findManifest(ResourceSnapshots.KIND, snapshotId))
        .orElseThrow(() -> new RestoreDataException("manifest " + snapshotId, "no resource snapshot " + snapshotId + " in "
            + source.describe(), null));
  }

  private void readStream(Manifest.Stream stream, SpilledObjects into) {
    try {
      ResourceSnapshots.readInto(source.repository().chunks(), stream, into);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read stream " + stream.name() + " from " + source.describe(), e);
    } catch (IllegalArgumentException e) {
      throw new RestoreDataException("stream " + stream.name(), "stream " + stream.name() + " holds a line that is not a"
          + " resource document: " + e.getMessage(), e);
    } catch (StreamMismatchException e) {
      throw new RestoreDataException("stream " + stream.name(), e.getMessage(), e);
    }
  }
}
