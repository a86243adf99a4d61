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
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Executor;
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
   *     reports; called on the restoring thread)
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
    try (FileCreator creator = fetches == null ? FileCreator.inline() : FileCreator.ahead(created, FILES_AHEAD)) {
      return restore(manifest, root, placed, refused, new Run(new ChunkPrefetcher(repository.chunks(), fetches, budget,
          order), creator, chown, restored));
    }
  }

  private Report restore(Manifest manifest, Path root, List<Placed> placed, List<Failure> refused, Run run)
      throws IOException {
    run.errors.addAll(refused);
    List<Placed> links = new ArrayList<>();
    List<Placed> directories = new ArrayList<>();
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

  private record Placed(FileEntry entry, Path path) {}

  /** The state of one restore. */
  private static final class Run {
    private final ChunkPrefetcher chunks;
    private final FileCreator creator;
    private final boolean chown;
    private final LongConsumer restored;
    private final List<Mismatch> mismatches = new ArrayList<>();
    private final List<Failure> errors = new ArrayList<>();
    private final List<String> notInSnapshot = new ArrayList<>();
    private long files;
    private long symlinks;
    private long bytes;

    Run(ChunkPrefetcher chunks, FileCreator creator, boolean chown, LongConsumer restored) {
      this.chunks = chunks;
      this.creator = creator;
      this.chown = chown;
      this.restored = restored;
    }

    void file(FileEntry entry, Path path) throws IOException {
      List<ChunkRef> refs = entry.chunks() == null ? List.of() : entry.chunks();
      int taken = 0;
      String actual;
      try {
        try (SparseFileWriter out = creator.take(path)) {
          for (ChunkRef ref : refs) {
            taken++;
            out.write(chunks.next(ref));
          }
          actual = out.finish();
        }
      } catch (ChunkCorruptedException | MissingChunkException e) {
        Files.deleteIfExists(path);
        String chunkId = e instanceof ChunkCorruptedException c ? c.chunkId() : ((MissingChunkException) e).chunkId();
        errors.add(new Failure(entry.path(), chunkId, e.getMessage()));
        return;
      } finally {
        chunks.skip(refs.size() - taken);
      }
      if (!actual.equals(entry.sha256())) {
        mismatches.add(new Mismatch(entry.path(), entry.sha256(), actual));
      }
      files++;
      bytes += entry.size();
      metadata(entry, path);
      restored.accept(entry.size());
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
