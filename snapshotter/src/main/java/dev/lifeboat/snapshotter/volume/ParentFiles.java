package dev.lifeboat.snapshotter.volume;

import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Manifest.FileEntry;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The files of a volume's previous snapshot, by path, and the rule for taking one over without
 * reading it: a regular file the previous snapshot read completely, still at the same path, with the
 * same size, modification time, inode and inode change time. Writing to a file moves its mtime and
 * ctime; replacing it (a rename over it) changes its inode; so an unchanged tuple means unchanged
 * content unless something rewrote the file and then forged both times, which only the kernel can
 * do for ctime.
 */
final class ParentFiles {
  private static final ParentFiles NONE = new ParentFiles(Map.of());

  private final Map<String, FileEntry> files;

  private ParentFiles(Map<String, FileEntry> files) {
    this.files = files;
  }

  static ParentFiles none() {
    return NONE;
  }

  static ParentFiles of(Manifest parent) {
    if (parent == null || parent.files() == null) {
      return NONE;
    }
    Map<String, FileEntry> files = new HashMap<>();
    for (FileEntry entry : parent.files()) {
      if (FileEntry.FILE.equals(entry.type()) && entry.error() == null && entry.sha256() != null && entry.chunks() != null) {
        files.put(entry.path(), entry);
      }
    }
    return new ParentFiles(files);
  }

  /**
   * {@code current} (as just stat'ed) with the previous snapshot's content, if the file is unchanged
   * since; empty if it must be read.
   */
  Optional<FileEntry> unchanged(FileEntry current) {
    FileEntry previous = files.get(current.path());
    if (previous == null || !FileEntry.FILE.equals(current.type()) || current.error() != null
        || current.inode() == null || current.mtime() == null || current.ctime() == null
        || previous.size() != current.size()
        || !Objects.equals(previous.inode(), current.inode())
        || !Objects.equals(previous.mtime(), current.mtime())
        || !Objects.equals(previous.ctime(), current.ctime())) {
      return Optional.empty();
    }
    return Optional.of(new FileEntry(current.path(), current.type(), current.mode(), current.uid(), current.gid(),
        current.size(), current.mtime(), current.ctime(), current.inode(), null, previous.sha256(), previous.chunks(), null));
  }

  int size() {
    return files.size();
  }
}
