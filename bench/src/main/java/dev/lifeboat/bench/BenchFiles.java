package dev.lifeboat.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Files the benchmarks make and clear away between runs. */
final class BenchFiles {
  private BenchFiles() {}

  /** Deletes {@code root} and everything below it; nothing if it does not exist. */
  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** Copies a tree with its files' times and modes; symbolic links are copied as links. */
  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : paths.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        }
      }
    }
  }

  /**
   * Puts {@code tree} back to {@code pristine}'s bytes: files whose size or modification time differ are
   * copied again, files {@code pristine} does not have are deleted.
   */
  static void revert(Path tree, Path pristine) throws IOException {
    try (Stream<Path> paths = Files.walk(tree)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        if (!Files.exists(pristine.resolve(tree.relativize(p).toString()), LinkOption.NOFOLLOW_LINKS)) {
          deleteTree(p);
        }
      }
    }
    try (Stream<Path> paths = Files.walk(pristine)) {
      for (Path p : paths.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).toList()) {
        Path target = tree.resolve(pristine.relativize(p).toString());
        if (!Files.exists(target) || Files.size(target) != Files.size(p)
            || !Files.getLastModifiedTime(target).equals(Files.getLastModifiedTime(p))) {
          Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  /** The regular files of a tree in name order, as one file. */
  static void concatenate(Path tree, Path into) throws IOException {
    try (OutputStream out = Files.newOutputStream(into); Stream<Path> paths = Files.walk(tree)) {
      for (Path p : paths.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).sorted().toList()) {
        Files.copy(p, out);
      }
    }
  }

  /** Reads every regular file below {@code root} (or the file itself), so that it is in the page cache. */
  static void readAll(Path root) throws IOException {
    byte[] buffer = new byte[1 << 20];
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).toList()) {
        try (InputStream in = Files.newInputStream(p)) {
          while (in.read(buffer) >= 0) {
            // only to have it cached
          }
        }
      }
    }
  }

  /** The total size of the regular files below {@code root}. */
  static long treeSize(Path root) throws IOException {
    long total = 0;
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).toList()) {
        total += Files.size(p);
      }
    }
    return total;
  }

  /** The first line a command prints (a tool's version). */
  static String firstLine(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String first = new String(p.getInputStream().readAllBytes()).lines().findFirst().orElse(command.get(0));
    p.waitFor();
    return first.trim();
  }
}
