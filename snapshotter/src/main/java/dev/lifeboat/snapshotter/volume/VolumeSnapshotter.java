package dev.lifeboat.snapshotter.volume;

import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Manifest.FileEntry;
import dev.lifeboat.repository.ManifestStore;
import dev.lifeboat.repository.Repository;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * File-level snapshot of a volume from the node path where it is mounted, in the manner of Kopia's
 * uploader: the tree is walked without following links; directories, links and files are recorded
 * with mode, owner and times; a file unchanged since the volume's previous snapshot (same size,
 * mtime, ctime and inode, see {@link ParentFiles}) takes that snapshot's chunks without being read,
 * and every other file is read, cut into content-defined chunks and stored, so an edit costs about
 * the chunks around it. The manifest (kind {@code VOLUME}) is written only once every chunk it names
 * is stored.
 *
 * <p>An entry that cannot be read (denied, an I/O error, gone before it was opened, a fifo, socket or
 * device) is recorded with its error and the snapshot ends PARTIALLY_FAILED; a failure of the
 * repository fails the whole snapshot, which leaves no manifest. See DESIGN.md beside this class.
 */
public final class VolumeSnapshotter {
  /** Files read at the same time: chunking and hashing use a core each. */
  static final int READERS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
  private static final Logger log = LoggerFactory.getLogger(VolumeSnapshotter.class);
  public static final SnapshotKind KIND = SnapshotKind.VOLUME;
  public static final SnapshotPhase COMPLETED = SnapshotPhase.COMPLETED;
  public static final SnapshotPhase PARTIALLY_FAILED = SnapshotPhase.PARTIALLY_FAILED;
  /**
   * Memory for chunks being sealed or uploaded, in maximum-size chunks: with 8 MiB chunks at most, 32
   * MiB. Smaller chunks are that many more at once, as many as the executor runs.
   */
  public static final int DEFAULT_CHUNKS_IN_FLIGHT = 4;

  private final Repository repository;
  private final ExecutorService uploads;
  private final int chunksInFlight;
  private final Clock clock;

  public VolumeSnapshotter(Repository repository, ExecutorService uploads, Clock clock) {
    this(repository, uploads, DEFAULT_CHUNKS_IN_FLIGHT, clock);
  }

  /**
   * @param uploads where chunks are sealed and uploaded; uploading is mostly waiting on the store,
   *     so more threads than cores pay (see DESIGN.md)
   * @param chunksInFlight the memory chunks waiting or uploading may hold, in maximum-size chunks
   */
  public VolumeSnapshotter(Repository repository, ExecutorService uploads, int chunksInFlight, Clock clock) {
    this.repository = repository;
    this.uploads = uploads;
    this.chunksInFlight = chunksInFlight;
    this.clock = clock;
  }

  /**
   * What a snapshot produced.
   *
   * @param files regular files recorded with their content
   * @param bytes the size of those files
   * @param reusedFiles files taken from the previous snapshot without being read
   */
  public record Result(Manifest manifest, ManifestStore.Written written, long files, long bytes, long newChunks,
      long newBytes, long reusedFiles, Duration duration) {
    public SnapshotPhase phase() {
      return manifest.phase();
    }

    /** Entries recorded with an error. */
    public List<FileEntry> failed() {
      return manifest.files().stream().filter(f -> f.error() != null).toList();
    }
  }

  /**
   * Snapshots the tree under {@code root} as the next snapshot of {@code target}.
   *
   * @param progressBytes told the number of file bytes done so far (read, or taken over unread)
   */
  public Result snapshot(Path root, String cluster, String target, String snapshotId, LongConsumer progressBytes)
      throws IOException {
    return snapshot(root, Selection.ALL, cluster, target, snapshotId, progressBytes);
  }

  /**
   * Part of a tree, and what the manifest says about it beyond its totals.
   *
   * @param only relative paths ({@code /} separated) under the root to keep, with the directories on
   *     the way to them; empty: everything
   * @param details added to the manifest's details
   */
  public record Selection(List<String> only, Map<String, String> details) {
    public static final Selection ALL = new Selection(List.of(), Map.of());

    public Selection {
      only = List.copyOf(only);
      details = Map.copyOf(details);
    }
  }

  /** As {@link #snapshot(Path, String, String, String, LongConsumer)}, of the part of the tree {@code selection} keeps. */
  public Result snapshot(Path root, Selection selection, String cluster, String target, String snapshotId,
      LongConsumer progressBytes) throws IOException {
    MDC.put("snapshotId", snapshotId);
    try {
      return take(root, selection, cluster, target, snapshotId, progressBytes);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException interrupted = new InterruptedIOException("interrupted while snapshotting " + root);
      interrupted.initCause(e);
      throw interrupted;
    } finally {
      MDC.remove("snapshotId");
    }
  }

  private Result take(Path root, Selection selection, String cluster, String target, String snapshotId,
      LongConsumer progressBytes) throws IOException, InterruptedException {
    Instant started = clock.instant();
    Optional<Manifest> parent = repository.manifests().latest(KIND, target);
    ParentFiles previous = ParentFiles.of(parent.orElse(null));
    List<FileTree.Node> nodes = FileTree.walk(root, selection.only());
    FileChunker chunker = new FileChunker(repository.chunks(), repository.chunker(), uploads, chunksInFlight);
    Totals totals = new Totals();
    AtomicLong done = new AtomicLong();
    LongConsumer progress = n -> progressBytes.accept(done.addAndGet(n));
    // Changed files are read side by side (chunking and hashing are CPU work; a file's bytes are
    // read by one thread), their chunks sealed and uploaded on the upload executor.
    ExecutorService readers = Executors.newFixedThreadPool(READERS, r -> {
      Thread t = new Thread(r, "lifeboat-volume-read");
      t.setDaemon(true);
      return t;
    });
    try {
      return take(root, selection, cluster, target, snapshotId, started, parent, previous, nodes, chunker, totals, progress,
          readers);
    } finally {
      readers.shutdownNow();
    }
  }

  private Result take(Path root, Selection selection, String cluster, String target, String snapshotId, Instant started,
      Optional<Manifest> parent,
      ParentFiles previous, List<FileTree.Node> nodes, FileChunker chunker, Totals totals, LongConsumer progress,
      ExecutorService readers) throws IOException, InterruptedException {
    List<Object> slots = new ArrayList<>(nodes.size());
    for (FileTree.Node node : nodes) {
      FileEntry listed = node.entry();
      if (!FileEntry.FILE.equals(listed.type()) || node.failed()) {
        slots.add(listed);
        continue;
      }
      Optional<FileEntry> unchanged = previous.unchanged(listed);
      if (unchanged.isPresent()) {
        totals.reusedFiles++;
        slots.add(unchanged.get());
        progress.accept(listed.size());
      } else {
        slots.add(CompletableFuture.supplyAsync(() -> {
          try {
            return chunker.read(listed, node.file(), progress);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompletionException(e);
          }
        }, readers));
      }
    }
    List<FileEntry> entries = new ArrayList<>(slots.size());
    for (Object slot : slots) {
      FileEntry entry;
      if (slot instanceof CompletableFuture<?> reading) {
        FileChunker.Pending pending = read(reading);
        if (pending.changed()) {
          totals.changed++;
          log.debug("{} changed while the snapshot was reading it; what was read is recorded", pending.path());
        }
        FileChunker.Stored stored = pending.await();
        totals.newChunks += stored.newChunks();
        totals.newBytes += stored.newBytes();
        entry = stored.entry();
      } else {
        entry = (FileEntry) slot;
      }
      totals.count(entry);
      entries.add(entry);
    }
    SnapshotPhase phase = totals.errors > 0 ? PARTIALLY_FAILED : COMPLETED;
    Manifest manifest = new Manifest(Manifest.FORMAT, snapshotId, KIND, target, cluster, started,
        parent.map(Manifest::snapshotId).orElse(null), phase, null, List.copyOf(entries), totals.details(root, selection));
    ManifestStore.Written written = repository.manifests().write(manifest);
    Duration duration = Duration.between(started, clock.instant());
    entries.stream().filter(e -> e.error() != null).limit(20)
        .forEach(e -> log.warn("Volume {}: {} not backed up: {}", target, e.path(), e.error()));
    log.info("Volume snapshot {} of {} ({}): {}, {} files ({} bytes), {} reused, {} changed while read, {} new chunks "
        + "({} bytes), {} errors in {} ms", snapshotId, target, root, phase, totals.files, totals.bytes, totals.reusedFiles,
        totals.changed, totals.newChunks, totals.newBytes, totals.errors, duration.toMillis());
    return new Result(manifest, written, totals.files, totals.bytes, totals.newChunks, totals.newBytes, totals.reusedFiles,
        duration);
  }

  private static FileChunker.Pending read(CompletableFuture<?> reading) throws InterruptedException {
    try {
      return (FileChunker.Pending) reading.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof InterruptedException interrupted) {
        throw interrupted;
      }
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
  }

  /** What a snapshot recorded, for the manifest's details and the result. */
  private static final class Totals {
    long files;
    long directories;
    long symlinks;
    long bytes;
    long newChunks;
    long newBytes;
    long reusedFiles;
    long changed;
    long errors;

    void count(FileEntry entry) {
      if (entry.error() != null) {
        errors++;
        return;
      }
      switch (entry.type()) {
        case FileEntry.FILE -> {
          files++;
          bytes += entry.size();
        }
        case FileEntry.DIRECTORY -> directories++;
        case FileEntry.SYMLINK -> symlinks++;
        default -> { }
      }
    }

    Map<String, String> details(Path root, Selection selection) {
      Map<String, String> details = new LinkedHashMap<>(new java.util.TreeMap<>(selection.details()));
      details.put("root", root.toString());
      details.put("files", Long.toString(files));
      details.put("directories", Long.toString(directories));
      details.put("symlinks", Long.toString(symlinks));
      details.put("bytes", Long.toString(bytes));
      details.put("newChunks", Long.toString(newChunks));
      details.put("newBytes", Long.toString(newBytes));
      details.put("reusedFiles", Long.toString(reusedFiles));
      details.put("changedWhileRead", Long.toString(changed));
      details.put("errors", Long.toString(errors));
      return details;
    }
  }
}
