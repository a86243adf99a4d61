package dev.lifeboat.restore;

import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Manifest.FileEntry;
import dev.lifeboat.repository.restore.FileRestorer;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Restores what a repository holds: resources into a cluster, an etcd snapshot into a data
 * directory (and, to prove it, into a scratch etcd) or as a database file, a volume into a
 * directory; and, without writing anything, what each would do (a dry run). One engine serves the
 * verifier and the restore commands; see DESIGN.md beside this class for what each restore does and
 * guarantees.
 *
 * <p>A {@link Progress} may throw to stop a restore: a resource restore stops before its next
 * object, a database file at its next MiB (and leaves no file); a volume restore stops after the
 * file it is writing, and leaves what it wrote.
 */
public final class RestoreEngine {
  private final RestoreSource source;
  private final DataMoverSettings mover;

  public RestoreEngine(RestoreSource source) {
    this(source, null);
  }

  /** @param mover how resource restores that ask for volume data write it into the claims they create; null: they cannot */
  public RestoreEngine(RestoreSource source, DataMoverSettings mover) {
    this.source = source;
    this.mover = mover;
  }

  public RestoreSource source() {
    return source;
  }

  /**
   * Restores the plan's objects into {@code target}.
   *
   * @throws RestoreDataException the repository's data is damaged or missing (names the chunk or stream)
   * @throws dev.lifeboat.retry.RetriableFailure the target API server did not answer, or kept failing
   */
  public ResourceRestoreReport restoreResources(ResourceRestorePlan plan, KubernetesClient target, Progress progress)
      throws InterruptedException {
    return restoreResources(plan, target, progress, ObjectListener.NONE);
  }

  /** As {@link #restoreResources(ResourceRestorePlan, KubernetesClient, Progress)}, telling {@code listener} about each object. */
  public ResourceRestoreReport restoreResources(ResourceRestorePlan plan, KubernetesClient target, Progress progress,
      ObjectListener listener) throws InterruptedException {
    return new ResourceRestorer(source, target, plan, progress, listener, mover).run();
  }

  /**
   * Reassembles an etcd snapshot, checks its SHA-256 and restores it with {@code etcdctl snapshot
   * restore} into {@code dataDir} (which must not exist yet), as a one-member cluster.
   */
  public EtcdRestoreReport restoreEtcd(Manifest manifest, Path dataDir, Progress progress) throws IOException {
    return new EtcdRestorer(source.repository()).restore(manifest, dataDir, progress);
  }

  /**
   * Writes an etcd snapshot's database to {@code file} (which must not exist), as {@code etcdctl
   * snapshot restore} takes it: reassembled, its SHA-256 checked, private (0600, missing parent
   * directories 0700: it holds every Secret of the cluster) and synced before it takes its name.
   *
   * @throws IllegalArgumentException not an etcd snapshot, or {@code file} exists
   * @throws RestoreDataException a chunk is damaged or missing, or the database hashes to something else
   */
  public EtcdDatabaseReport restoreEtcdDatabase(Manifest manifest, Path file, Progress progress) throws IOException {
    return new EtcdRestorer(source.repository()).writeDatabase(manifest, file, progress);
  }

  /** The dry run of {@link #restoreEtcdDatabase}: the same checks, nothing written. */
  public PathRestorePlan planEtcdDatabase(Manifest manifest, Path file) {
    return new EtcdRestorer(source.repository()).planDatabase(manifest, file);
  }

  /**
   * Restores an etcd snapshot into {@code scratchDir}, serves it with an etcd on loopback, compares
   * its revision and key count with the manifest, and stops it. {@code scratchDir} is left for the
   * caller to remove.
   */
  public EtcdVerification verifyEtcd(Manifest manifest, Path scratchDir, Progress progress) throws IOException {
    return new EtcdRestorer(source.repository()).verify(manifest, scratchDir, progress);
  }

  /** Whether the etcd tools a restore of etcd needs ({@code etcdctl}, and {@code etcd} to verify) are installed. */
  public static boolean etcdToolsInstalled() {
    return EtcdTools.installed();
  }

  /**
   * The dry run of {@link #restoreVolume}: a volume snapshot, a target that is absent or an empty
   * directory, and the files and bytes the restore would write. Nothing is written.
   *
   * @throws IllegalArgumentException not a volume snapshot, or the target is something else
   */
  public PathRestorePlan planVolume(Manifest manifest, Path target) throws IOException {
    if (manifest.kind() != SnapshotKind.VOLUME) {
      throw new IllegalArgumentException("snapshot " + manifest.snapshotId() + " is a " + manifest.kind()
          + " snapshot, not a volume");
    }
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !emptyDirectory(target)) {
      throw new IllegalArgumentException("the target " + target + " is not an empty directory: a volume is restored"
          + " into an empty or absent directory only");
    }
    List<FileEntry> files = restoredFiles(manifest);
    return new PathRestorePlan(manifest.snapshotId(), target, files.size(), files.stream().mapToLong(FileEntry::size).sum());
  }

  /**
   * Restores a volume snapshot's files into {@code target} (absent or an empty directory), checking
   * every file's SHA-256; chunks are fetched ahead on two threads. What was written is synced to disk
   * ({@link DiskSync}) before the report is returned.
   *
   * @throws IllegalArgumentException not a volume snapshot, or the target is not absent or empty
   */
  public VolumeRestoreReport restoreVolume(Manifest manifest, Path target, Progress progress) throws IOException {
    long started = System.nanoTime();
    long expectedBytes = planVolume(manifest, target).bytes();
    List<FileEntry> files = restoredFiles(manifest);
    AtomicLong filesDone = new AtomicLong();
    AtomicLong bytesDone = new AtomicLong();
    ExecutorService fetches = Executors.newFixedThreadPool(2, new NamedThreads("lifeboat-restore-fetch"));
    try {
      FileRestorer.Report report = new FileRestorer(false, fetches, FileRestorer.DEFAULT_CHUNKS_AHEAD)
          .restore(source.repository(), manifest, target, bytes -> progress.report(Progress.Update.of("restoring",
              filesDone.incrementAndGet(), files.size(), "files").withBytes(bytesDone.addAndGet(bytes), expectedBytes)));
      DiskSync.tree(target); // durable before it is reported restored
      progress.report(Progress.Update.of("restoring", filesDone.get(), files.size(), "files")
          .withBytes(bytesDone.get(), expectedBytes).last());
      return new VolumeRestoreReport(manifest.snapshotId(), target, files.size(), expectedBytes, report,
          Duration.ofNanos(System.nanoTime() - started));
    } finally {
      fetches.shutdownNow();
    }
  }

  /** The regular files a volume restore writes: those the snapshot holds with content. */
  private static List<FileEntry> restoredFiles(Manifest manifest) {
    return manifest.files() == null ? List.of() : manifest.files().stream()
        .filter(f -> FileEntry.FILE.equals(f.type()) && f.error() == null).toList();
  }

  private static boolean emptyDirectory(Path path) throws IOException {
    if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    try (Stream<Path> children = Files.list(path)) {
      return children.findAny().isEmpty();
    }
  }
}
