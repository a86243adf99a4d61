package dev.lifeboat.repository.restore;

import dev.lifeboat.repository.ChunkStore.ChunkRef;
import dev.lifeboat.repository.ChunkStore.MissingChunkException;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Manifest.FileEntry;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.chunk.ChunkCorruptedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores a volume snapshot's files into a directory: directories, regular files and symbolic
 * links, then modes and modification times (and owners, when asked and running as root). Files are
 * written sparse (see {@link SparseFileWriter}); every file's SHA-256 is checked against the
 * manifest, and every chunk is authenticated on the way. A damaged or missing chunk fails that file
 * alone (its partial copy is removed) and is reported with the chunk's id; the rest of the volume is
 * still restored. A store that cannot be reached fails the whole restore.
 *
 * <p>The target must be absent or an empty directory. Entry paths that would leave it ({@code ..},
 * absolute paths) are refused. Links are created after every file, so no file is ever written
 * through a link the snapshot contained. Directory metadata is set last, deepest first, so that
 * writing the children neither fails (a read-only directory) nor moves the directory's mtime.
 */
public final class FileRestorer {
  private static final Logger log = LoggerFactory.getLogger(FileRestorer.class);

  /** Memory for chunks fetched ahead of the one being written, in maximum-size chunks, by default. */
  public static final int DEFAULT_CHUNKS_AHEAD = 4;
  /**
   * Files created ahead of the one being written, when chunks are fetched ahead: enough for the
   * small files of a volume to be created while its large ones are written (each costs about 100
   * bytes of memory until it is taken).
   */
  static final int FILES_AHEAD = 65_536;
  /**
   * Threads writing files side by side when chunks are fetched ahead: hashing and writing a file is
   * CPU work of its own, and the kernel's part of it runs in parallel too. Each file is written by
   * one thread at a time, its chunks in order.
   */
  static final int WRITING_THREADS = 2;
  /**
   * With writing threads, a file of at least this many bytes is synced to disk as soon as it is
   * written, on its writing thread, so the disk writes it while the rest is restored rather than in
   * the caller's sync of the whole tree at the end. Smaller files are left to that sync (one sync per
   * small file costs far more than one for the file system).
   */
  static final long SYNC_FROM = 8L << 20;

  private final boolean restoreOwnership;
  private final Executor fetches;
  private final int chunksAhead;

  /** A restorer that fetches one chunk at a time and leaves files owned by the user running it. */
  public FileRestorer() {
    this(false);
  }

  /** @param restoreOwnership give entries their recorded uid and gid; only done when running as root */
  public FileRestorer(boolean restoreOwnership) {
    this(restoreOwnership, null, 0);
  }

  /**
   * @param fetches where chunks are fetched ahead of being written (null: one at a time, on the
   *     calling thread)
   * @param chunksAhead the memory chunks fetched ahead may hold, in maximum-size chunks (smaller
   *     chunks are that many more at once)
   */
  public FileRestorer(boolean restoreOwnership, Executor fetches, int chunksAhead) {
    if (fetches != null && chunksAhead < 1) {
      throw new IllegalArgumentException("chunks fetched ahead must be at least 1, was " + chunksAhead);
    }
    this.restoreOwnership = restoreOwnership;
    this.fetches = fetches;
    this.chunksAhead = chunksAhead;
  }

  /** A restored file whose content does not hash to the manifest's SHA-256. */
  public record Mismatch(String path, String expected, String actual) {}

  /** An entry that could not be restored; {@code chunkId} names the chunk at fault, if one was. */
  public record Failure(String path, String chunkId, String message) {}

  /**
   * What a restore did.
   *
   * @param notInSnapshot entries the snapshot itself could not read (recorded with an error), so
   *     there was nothing to restore
   */
  public record Report(long files, long directories, long symlinks, long bytes, List<Mismatch> mismatches,
      List<Failure> errors, List<String> notInSnapshot) {
    /** Everything in the snapshot was restored and checked. */
    public boolean clean() {
      return mismatches.isEmpty() && errors.isEmpty();
    }
  }

  public Report restore(Repository repository, Manifest manifest, Path target) throws IOException {
    return restore(repository, manifest, target, bytes -> {});
  }

  /**
   * @param restored told the size of every file restored and checked, as it is (for progress
   *     reports; called one at a time, on the thread that finished the file)
   */
  public Report restore(Repository repository, Manifest manifest, Path target, LongConsumer restored) throws IOException {
    Path root = prepare(target);
    boolean chown = restoreOwnership && runningAsRoot();
    List<Placed> placed = new ArrayList<>();
    List<Failure> refused = new ArrayList<>();
    for (FileEntry entry : manifest.files() == null ? List.<FileEntry>of() : manifest.files()) {
      try {
        placed.add(new Placed(entry, resolve(root, entry.path())));
      } catch (IllegalArgumentException e) {
        refused.add(new Failure(entry.path(), null, e.getMessage()));
      }
    }
    Iterator<ChunkRef> order = placed.stream().map(Placed::entry)
        .filter(e -> FileEntry.FILE.equals(e.type()) && e.error() == null && e.chunks() != null)
        .flatMap(e -> e.chunks().stream()).iterator();
    long budget = (long) chunksAhead * repository.chunker().max();
    List<Path> created = placed.stream().filter(p -> FileEntry.FILE.equals(p.entry().type()) && p.entry().error() == null)
        .map(Placed::path).toList();
    ExecutorService writers = fetches == null ? null : Executors.newFixedThreadPool(WRITING_THREADS, writingThreads());
    try (FileCreator creator = fetches == null ? FileCreator.inline() : FileCreator.ahead(created, FILES_AHEAD)) {
      return restore(manifest, root, placed, refused, new Run(new ChunkPrefetcher(repository.chunks(), fetches, budget,
          order), creator, chown, restored, writers, budget));
    } finally {
      if (writers != null) {
        writers.shutdownNow();
      }
    }
  }

  private static ThreadFactory writingThreads() {
    AtomicInteger count = new AtomicInteger();
    return r -> {
      Thread thread = new Thread(r, "lifeboat-restore-write-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  private Report restore(Manifest manifest, Path root, List<Placed> placed, List<Failure> refused, Run run)
      throws IOException {
    run.errors.addAll(refused);
    List<Placed> links = new ArrayList<>();
    List<Placed> directories = new ArrayList<>();
    try {
      dispatch(placed, run, links, directories);
    } finally {
      run.awaitWrites(); // every file written (or given up) before links and directories' metadata
    }
    Path realRoot = root.toRealPath();
    for (Placed link : links) {
      try {
        Files.createDirectories(link.path().getParent());
        if (!link.path().getParent().toRealPath().startsWith(realRoot)) {
          run.errors.add(new Failure(link.entry().path(), null, "refused: its directory leads out of the restore target"));
          continue;
        }
        Files.createSymbolicLink(link.path(), Path.of(link.entry().linkTarget()));
        run.symlinks++;
        run.metadata(link.entry(), link.path());
      } catch (IOException e) {
        run.errors.add(new Failure(link.entry().path(), null, "cannot create the link: " + e));
      }
    }
    for (int i = directories.size() - 1; i >= 0; i--) {
      run.metadata(directories.get(i).entry(), directories.get(i).path());
    }
    Report report = new Report(run.files, directories.size(), run.symlinks, run.bytes, List.copyOf(run.mismatches),
        List.copyOf(run.errors), List.copyOf(run.notInSnapshot));
    log.info("Restored snapshot {} of {} into {}: {} files ({} bytes), {} directories, {} links; {} mismatches, {} errors",
        manifest.snapshotId(), manifest.target(), root, report.files(), report.bytes(), report.directories(),
        report.symlinks(), report.mismatches().size(), report.errors().size());
    return report;
  }

  /** Creates the directories and writes the files in order; collects the links and directories for later. */
  private static void dispatch(List<Placed> placed, Run run, List<Placed> links, List<Placed> directories) {
    for (Placed next : placed) {
      FileEntry entry = next.entry();
      Path path = next.path();
      if (entry.error() != null) {
        run.notInSnapshot.add(entry.path());
        if (!FileEntry.DIRECTORY.equals(entry.type())) {
          continue;
        }
      }
      try {
        switch (entry.type()) {
          case FileEntry.DIRECTORY -> {
            Files.createDirectories(path);
            directories.add(next);
          }
          case FileEntry.FILE -> run.file(entry, path);
          case FileEntry.SYMLINK -> links.add(next);
          default -> run.errors.add(new Failure(entry.path(), null, "cannot restore an entry of type " + entry.type()));
        }
      } catch (IOException e) {
        run.errors.add(new Failure(entry.path(), null, "cannot restore: " + e));
      }
    }
  }

  private record Placed(FileEntry entry, Path path) {}

  /**
   * The state of one restore. Files are handed out in order on the restoring thread, which takes
   * their chunks; each file's chunks are written, and the file checked and finished, in order on its
   * own {@link Lane} (on the writing threads, or at once on the restoring thread when there are
   * none). Chunks taken and not yet written hold at most {@code memory}'s permits in bytes.
   */
  private static final class Run {
    private final ChunkPrefetcher chunks;
    private final FileCreator creator;
    private final boolean chown;
    private final LongConsumer restored;
    private final Executor writers;
    private final Semaphore memory;
    private final int memoryLimit;
    private final List<Mismatch> mismatches = Collections.synchronizedList(new ArrayList<>());
    private final List<Failure> errors = Collections.synchronizedList(new ArrayList<>());
    private final List<String> notInSnapshot = new ArrayList<>();
    private long files;
    private long symlinks;
    private long bytes;
    private int writing;

    /**
     * @param writers where files are written (null: on the restoring thread, as each is handed out)
     * @param memory the bytes of chunks taken and not yet written, when there are writers
     */
    Run(ChunkPrefetcher chunks, FileCreator creator, boolean chown, LongConsumer restored, Executor writers,
        long memory) {
      this.chunks = chunks;
      this.creator = creator;
      this.chown = chown;
      this.restored = restored;
      this.writers = writers == null ? Runnable::run : writers;
      this.memoryLimit = (int) Math.max(1, Math.min(Integer.MAX_VALUE, memory));
      this.memory = writers == null ? null : new Semaphore(memoryLimit);
    }

    /**
     * Hands {@code path}'s chunks to its writer. A damaged or missing chunk fails this file alone;
     * any other failure to read a chunk (the store cannot be reached) ends the restore.
     */
    void file(FileEntry entry, Path path) throws IOException {
      List<ChunkRef> refs = entry.chunks() == null ? List.of() : entry.chunks();
      int taken = 0;
      FileWrite write = null;
      try {
        write = new FileWrite(entry, path, creator.take(path));
        for (ChunkRef ref : refs) {
          taken++;
          int permits = (int) Math.min(ref.size(), memoryLimit); // a chunk larger than the limit takes it all
          acquire(permits);
          byte[] data;
          try {
            data = chunks.next(ref);
          } catch (RuntimeException e) {
            release(permits);
            throw e;
          }
          write.chunk(data, permits);
        }
        write.end();
      } catch (ChunkCorruptedException | MissingChunkException e) {
        String chunkId = e instanceof ChunkCorruptedException c ? c.chunkId() : ((MissingChunkException) e).chunkId();
        write.fail(chunkId, e.getMessage());
      } catch (RuntimeException | Error e) {
        if (write != null) {
          write.abandon();
        }
        throw e;
      } finally {
        chunks.skip(refs.size() - taken);
      }
    }

    private void acquire(int permits) {
      if (memory != null) {
        memory.acquireUninterruptibly(permits);
      }
    }

    private void release(int permits) {
      if (memory != null) {
        memory.release(permits);
      }
    }

    private synchronized void started() {
      writing++;
    }

    private synchronized void ended() {
      writing--;
      notifyAll();
    }

    /** Waits until every file handed out is written, failed or given up. */
    synchronized void awaitWrites() {
      boolean interrupted = false;
      while (writing > 0) {
        try {
          wait();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }

    private synchronized void written(FileEntry entry) {
      files++;
      bytes += entry.size();
      restored.accept(entry.size());
    }

    /** One file being written: what happens to it, in order, on its lane. */
    private final class FileWrite {
      private final FileEntry entry;
      private final Path path;
      private final FileCreator.Opener opener;
      private final Lane lane = new Lane(writers);
      private SparseFileWriter out;
      /** The file at {@code path} is this restore's: created ahead by it, or opened by it. */
      private boolean ours;
      private Exception failed;

      FileWrite(FileEntry entry, Path path, FileCreator.Opener opener) {
        this.entry = entry;
        this.path = path;
        this.opener = opener;
        this.ours = opener.createdAhead();
        started();
      }

      void chunk(byte[] data, int permits) {
        lane.run(() -> {
          try {
            if (failed == null) {
              open().write(data);
            }
          } catch (IOException | RuntimeException e) {
            failed = e;
          } finally {
            release(permits);
          }
        });
      }

      /** Every chunk given: finish, check and close the file. */
      void end() {
        lane.run(() -> {
          try {
            String actual = null;
            try {
              if (failed == null) {
                actual = open().finish();
                if (memory != null && entry.size() >= SYNC_FROM) {
                  out.sync();
                }
              }
            } catch (IOException | RuntimeException e) {
              failed = e;
            } finally {
              close();
            }
            if (failed != null) {
              remove();
              errors.add(new Failure(entry.path(), null, "cannot restore: " + failed));
              return;
            }
            if (!actual.equals(entry.sha256())) {
              mismatches.add(new Mismatch(entry.path(), entry.sha256(), actual));
            }
            metadata(entry, path);
            written(entry);
          } finally {
            ended();
          }
        });
      }

      /** A chunk of the file is damaged or missing: the file is removed and reported. */
      void fail(String chunkId, String message) {
        lane.run(() -> {
          try {
            close();
            remove();
            errors.add(new Failure(entry.path(), chunkId, message));
          } finally {
            ended();
          }
        });
      }

      /** The restore stops: the file is closed as it is. */
      void abandon() {
        lane.run(() -> {
          try {
            close();
          } finally {
            ended();
          }
        });
      }

      private void close() {
        if (out != null) {
          try {
            out.close();
          } catch (IOException e) {
            failed = failed == null ? e : failed;
          }
          out = null;
        }
      }

      private SparseFileWriter open() throws IOException {
        if (out == null) {
          try {
            out = opener.open();
            ours = true;
          } catch (IOException e) {
            ours = false; // something else is there, or the file changed since it was created
            throw e;
          }
        }
        return out;
      }

      /** Removes the file, if it is this restore's. */
      private void remove() {
        if (!ours) {
          return;
        }
        try {
          Files.deleteIfExists(path);
        } catch (IOException e) {
          log.warn("Could not remove {}, which failed to restore: {}", path, e.toString());
        }
      }
    }

    /** Owner first (changing it clears setuid and setgid), then mode, then mtime. */
    void metadata(FileEntry entry, Path path) {
      boolean link = FileEntry.SYMLINK.equals(entry.type());
      try {
        if (chown && entry.uid() != null && entry.gid() != null) {
          Files.setAttribute(path, "unix:uid", entry.uid(), LinkOption.NOFOLLOW_LINKS);
          Files.setAttribute(path, "unix:gid", entry.gid(), LinkOption.NOFOLLOW_LINKS);
        }
        if (!link) {
          Files.setAttribute(path, "unix:mode", entry.mode());
        }
        if (entry.mtime() != null) {
          FileTime mtime = FileTime.from(entry.mtime());
          if (link) {
            Files.getFileAttributeView(path, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setTimes(mtime, null, null);
          } else {
            Files.setLastModifiedTime(path, mtime);
          }
        }
      } catch (IOException | UnsupportedOperationException e) {
        errors.add(new Failure(entry.path(), null, "cannot set owner, mode or mtime: " + e));
      }
    }
  }

  private static Path prepare(Path target) throws IOException {
    Path root = target.toAbsolutePath().normalize();
    if (Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
        throw new IllegalArgumentException("restore target " + root + " is not a directory");
      }
      try (Stream<Path> children = Files.list(root)) {
        if (children.findAny().isPresent()) {
          throw new IllegalArgumentException("restore target " + root + " is not empty");
        }
      }
    }
    Files.createDirectories(root);
    return root;
  }

  /** Where an entry goes under {@code root}; refuses any path that could leave it. */
  static Path resolve(Path root, String path) {
    if (FileEntry.ROOT.equals(path)) {
      return root;
    }
    if (path == null || path.isEmpty() || path.startsWith("/")) {
      throw new IllegalArgumentException("unsafe path in the manifest: '" + path + "'");
    }
    for (String part : path.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..") || part.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("unsafe path in the manifest: '" + path + "'");
      }
    }
    return root.resolve(path);
  }

  /** Whether this process may give files to other users (it runs as root). */
  public static boolean runningAsRoot() {
    try {
      return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    } catch (LinkageError e) {
      return false;
    }
  }
}
