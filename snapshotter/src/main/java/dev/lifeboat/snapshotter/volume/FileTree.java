package dev.lifeboat.snapshotter.volume;

import dev.lifeboat.repository.Manifest.FileEntry;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists everything under a root without following symbolic links: the root itself first (as
 * {@code .}), then every entry sorted by its relative path ({@code /} separated), each with the
 * metadata one {@code lstat} gives. A directory that cannot be listed, or an entry that cannot be
 * stat'ed, is kept with its error; an entry that disappears between being listed and being stat'ed
 * was never seen and is left out.
 */
final class FileTree {
  private static final Logger log = LoggerFactory.getLogger(FileTree.class);
  private static final String ATTRIBUTES =
      "unix:mode,uid,gid,ino,ctime,size,lastModifiedTime,isDirectory,isRegularFile,isSymbolicLink";

  private FileTree() {}

  /**
   * One entry as seen by the walk: its manifest entry (no content yet) and where it is on disk.
   */
  record Node(FileEntry entry, Path file) {
    String path() {
      return entry.path();
    }

    String type() {
      return entry.type();
    }

    boolean failed() {
      return entry.error() != null;
    }
  }

  static List<Node> walk(Path root) throws IOException {
    return walk(root, List.of());
  }

  /**
   * As {@link #walk(Path)}, keeping only what lies under one of {@code only} (relative paths,
   * {@code /} separated) and the directories on the way to them; empty: everything.
   */
  static List<Node> walk(Path root, List<String> only) throws IOException {
    if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
      throw new NoSuchFileException(root.toString(), null, "not a directory: a volume's root must be one");
    }
    List<Node> nodes = new ArrayList<>();
    nodes.add(stat(root, FileEntry.ROOT));
    Deque<Integer> directories = new ArrayDeque<>();
    directories.push(0);
    while (!directories.isEmpty()) {
      int index = directories.pop();
      Node directory = nodes.get(index);
      String prefix = index == 0 ? "" : directory.path() + "/";
      List<Node> children = new ArrayList<>();
      try (DirectoryStream<Path> listing = Files.newDirectoryStream(directory.file())) {
        for (Path child : listing) {
          String path = prefix + child.getFileName();
          Node node = selected(path, only) ? stat(child, path) : null;
          if (node != null) {
            children.add(node);
          }
        }
      } catch (IOException | RuntimeException e) {
        nodes.set(index, new Node(directory.entry().withError("cannot list the directory: " + describe(e)), directory.file()));
      }
      for (Node child : children) {
        nodes.add(child);
        if (FileEntry.DIRECTORY.equals(child.type()) && !child.failed()) {
          directories.push(nodes.size() - 1);
        }
      }
    }
    List<Node> sorted = new ArrayList<>(nodes.subList(1, nodes.size()));
    sorted.sort(Comparator.comparing(Node::path));
    sorted.add(0, nodes.get(0));
    return sorted;
  }

  /** Whether {@code path} is one of {@code only}, under one, or a directory on the way to one. */
  static boolean selected(String path, List<String> only) {
    if (only.isEmpty()) {
      return true;
    }
    for (String wanted : only) {
      if (path.equals(wanted) || path.startsWith(wanted + "/") || wanted.startsWith(path + "/")) {
        return true;
      }
    }
    return false;
  }

  /** The entry at {@code file}, or null if it no longer exists. */
  static Node stat(Path file, String path) {
    Map<String, Object> a;
    try {
      a = Files.readAttributes(file, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      log.debug("{} disappeared before it could be stat'ed", file);
      return null;
    } catch (IOException | RuntimeException e) {
      return new Node(new FileEntry(path, FileEntry.OTHER, 0, null, null, 0, null, null, null, null, null, null,
          "cannot stat: " + describe(e)), file);
    }
    String type;
    String linkTarget = null;
    String error = null;
    if (Boolean.TRUE.equals(a.get("isRegularFile"))) {
      type = FileEntry.FILE;
    } else if (Boolean.TRUE.equals(a.get("isDirectory"))) {
      type = FileEntry.DIRECTORY;
    } else if (Boolean.TRUE.equals(a.get("isSymbolicLink"))) {
      type = FileEntry.SYMLINK;
      try {
        linkTarget = Files.readSymbolicLink(file).toString();
      } catch (IOException e) {
        error = "cannot read the link: " + describe(e);
      }
    } else {
      type = FileEntry.OTHER;
      error = "not backed up: a " + special((int) a.get("mode")) + ", not a regular file, directory or symbolic link";
    }
    int mode = (int) a.get("mode");
    FileEntry entry = new FileEntry(path, type, mode & 07777, (Integer) a.get("uid"), (Integer) a.get("gid"),
        FileEntry.FILE.equals(type) ? (long) a.get("size") : 0, ((FileTime) a.get("lastModifiedTime")).toInstant(),
        ((FileTime) a.get("ctime")).toInstant(), (Long) a.get("ino"), linkTarget, null, null, error);
    return new Node(entry, file);
  }

  /** What kind of special file a {@code st_mode} says it is. */
  static String special(int mode) {
    return switch (mode & 0170000) {
      case 0010000 -> "fifo";
      case 0020000 -> "character device";
      case 0060000 -> "block device";
      case 0140000 -> "socket";
      default -> "special file";
    };
  }

  static String describe(Throwable e) {
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
  }
}
