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
 * holds the tree, so a crash or power cut just after "restored" cannot leave a truncated database
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

  /** Syncs every regular file and directory under {@code root} (itself included), then its parent directory. */
  public static void tree(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    List<Path> denied = new ArrayList<>();
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        if (attrs.isRegularFile()) {
          force(file, denied);
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
        force(dir, denied);
        return FileVisitResult.CONTINUE;
      }
    });
    Path parent = root.toAbsolutePath().getParent();
    if (parent != null) {
      force(parent, denied);
    }
    fallback(root, denied);
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
