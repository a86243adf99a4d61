package dev.lifeboat.restore;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes what a restore wrote durable before the restore reports success: every regular file and
 * directory of a restored tree is synced ({@link FileChannel#force}), then the directory that
 * holds the tree (a large tree: its file system, with one {@code syncfs}), so a crash or power cut just after "restored" cannot leave a truncated database
 * or missing files behind. Symbolic links are not followed. An entry this process may not open
 * (a restored file of mode 0000, when not running as root) is covered by one {@code sync -f} of its
 * file system instead; if that fails too, the restore fails.
 */
public final class DiskSync {
  private DiskSync() {}

  /** Syncs one file (or directory) and the directory that holds it. */
  public static void file(Path file) throws IOException {
    List<Path> denied = new ArrayList<>();
    force(file, denied);
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      force(parent, denied);
    }
    fallback(file, denied);
  }

  /**
   * Trees of more entries than this are synced with one {@code syncfs} of their file system ({@code
   * sync -f}): one journal commit instead of one per file (measured: 1,635 restored files took 6-7 s
   * of {@code fsync}s one by one, the file system's sync 0.3 s).
   */
  static final int ONE_SYNC_FROM = 64;

  /**
   * Syncs every regular file and directory under {@code root} (itself included), then its parent
   * directory: one by one for a small tree, with one sync of the whole file system for a larger one
   * (and per entry if that cannot run).
   */
  public static void tree(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    List<Path> entries = new ArrayList<>();
    List<Path> denied = new ArrayList<>();
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        if (attrs.isRegularFile()) {
          entries.add(file);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (e instanceof AccessDeniedException) {
          denied.add(file);
          return FileVisitResult.CONTINUE;
        }
        throw e;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        entries.add(dir);
        return FileVisitResult.CONTINUE;
      }
    });
    if (entries.size() >= ONE_SYNC_FROM && syncFileSystem(root)) {
      return;
    }
    for (Path entry : entries) {
      force(entry, denied);
    }
    Path parent = root.toAbsolutePath().getParent();
    if (parent != null) {
      force(parent, denied);
    }
    fallback(root, denied);
  }

  /** {@code sync -f root}: whether it ran and succeeded (false when there is no such command). */
  private static boolean syncFileSystem(Path root) throws IOException {
    Process process;
    try {
      process = new ProcessBuilder("sync", "-f", root.toAbsolutePath().toString())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectErrorStream(true).start();
    } catch (IOException e) {
      return false; // no sync command here: entry by entry
    }
    try {
      process.getInputStream().readAllBytes();
      if (!process.waitFor(10, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IOException("sync -f " + root + " did not finish within 10 minutes");
      }
      return process.exitValue() == 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while syncing " + root, e);
    }
  }

  private static void force(Path path, List<Path> denied) throws IOException {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (AccessDeniedException e) {
      denied.add(path);
    }
  }

  /** {@code sync -f}: the whole file system that holds {@code path}, for entries that could not be opened. */
  private static void fallback(Path path, List<Path> denied) throws IOException {
    if (denied.isEmpty()) {
      return;
    }
    Process process = new ProcessBuilder("sync", "-f", path.toAbsolutePath().toString())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectErrorStream(true).start();
    try {
      String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new IOException("could not sync " + denied.size() + " restored entries this process may not open (first "
            + denied.get(0) + "): sync -f " + path + " failed: " + output.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while syncing " + path, e);
    }
  }
}
