package dev.lifeboat.snapshotter.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.lifeboat.repository.Manifest.FileEntry;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreeTest {
  @TempDir
  Path dir;

  @Test
  void theRootComesFirstAndEverythingElseIsSortedByItsSlashSeparatedPath() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Files.createDirectories(root.resolve("a/b"));
    Files.writeString(root.resolve("a/b/z"), "z");
    Files.writeString(root.resolve("a-b"), "dash");
    Files.writeString(root.resolve("a/c"), "c");
    Files.createDirectories(root.resolve("B"));
    Files.writeString(root.resolve(".hidden"), "h");

    List<String> paths = FileTree.walk(root).stream().map(FileTree.Node::path).toList();

    assertThat(paths).containsExactly(".", ".hidden", "B", "a", "a-b", "a/b", "a/b/z", "a/c");
  }

  @Test
  void linksAreRecordedWithTheirTargetAndNeverFollowed() throws Exception {
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.writeString(outside.resolve("secret"), "not part of the volume");
    Path root = Files.createDirectories(dir.resolve("root"));
    Files.createDirectories(root.resolve("inside"));
    Files.writeString(root.resolve("inside/file"), "in");
    Files.createSymbolicLink(root.resolve("to-outside"), outside);
    Files.createSymbolicLink(root.resolve("to-inside"), Path.of("inside"));
    Files.createSymbolicLink(root.resolve("dangling"), Path.of("nowhere"));

    List<FileTree.Node> nodes = FileTree.walk(root);

    assertThat(nodes).extracting(FileTree.Node::path)
        .containsExactly(".", "dangling", "inside", "inside/file", "to-inside", "to-outside");
    assertThat(entry(nodes, "to-outside").type()).isEqualTo(FileEntry.SYMLINK);
    assertThat(entry(nodes, "to-outside").linkTarget()).isEqualTo(outside.toString());
    assertThat(entry(nodes, "to-inside").linkTarget()).isEqualTo("inside");
    assertThat(entry(nodes, "dangling").linkTarget()).isEqualTo("nowhere");
    assertThat(nodes).noneMatch(FileTree.Node::failed);
  }

  @Test
  void eachEntryCarriesModeOwnerSizeTimesAndInode() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Path file = Files.writeString(root.resolve("f"), "12345");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
    Instant mtime = Instant.parse("2022-02-03T04:05:06.789123456Z");
    Files.setLastModifiedTime(file, FileTime.from(mtime));
    Files.createDirectories(root.resolve("empty"));
    Files.setAttribute(root.resolve("empty"), "unix:mode", 01777);

    List<FileTree.Node> nodes = FileTree.walk(root);

    FileEntry f = entry(nodes, "f");
    assertThat(f.type()).isEqualTo(FileEntry.FILE);
    assertThat(f.mode()).isEqualTo(0640);
    assertThat(f.size()).isEqualTo(5);
    assertThat(f.mtime()).isEqualTo(mtime);
    assertThat(f.ctime()).isNotNull();
    assertThat(f.inode()).isEqualTo(Files.getAttribute(file, "unix:ino"));
    assertThat(f.uid()).isEqualTo(Files.getAttribute(file, "unix:uid"));
    assertThat(f.gid()).isEqualTo(Files.getAttribute(file, "unix:gid"));
    assertThat(f.sha256()).isNull();
    FileEntry empty = entry(nodes, "empty");
    assertThat(empty.type()).isEqualTo(FileEntry.DIRECTORY);
    assertThat(empty.mode()).as("sticky bit kept").isEqualTo(01777);
  }

  @Test
  void aFifoIsRecordedAsNotBackedUpWithoutEverBeingOpened() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    mkfifo(root.resolve("pipe"));

    FileEntry pipe = entry(FileTree.walk(root), "pipe");

    assertThat(pipe.type()).isEqualTo(FileEntry.OTHER);
    assertThat(pipe.error()).contains("fifo");
  }

  @Test
  void aDirectoryThatCannotBeListedIsKeptWithItsError() throws Exception {
    assumeFalse("root".equals(System.getProperty("user.name")), "root lists any directory");
    Path root = Files.createDirectories(dir.resolve("root"));
    Path closed = Files.createDirectories(root.resolve("closed"));
    Files.writeString(closed.resolve("inside"), "x");
    Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("---------"));
    try {
      List<FileTree.Node> nodes = FileTree.walk(root);
      assertThat(entry(nodes, "closed").error()).contains("cannot list");
      assertThat(nodes).extracting(FileTree.Node::path).doesNotContain("closed/inside");
    } finally {
      Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));
    }
  }

  @Test
  void aRootThatIsNotADirectoryIsRefused() throws Exception {
    Path file = Files.writeString(dir.resolve("file"), "x");

    assertThatThrownBy(() -> FileTree.walk(file)).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> FileTree.walk(dir.resolve("missing"))).isInstanceOf(NoSuchFileException.class);
  }

  private static FileEntry entry(List<FileTree.Node> nodes, String path) {
    return nodes.stream().filter(n -> n.path().equals(path)).findFirst().orElseThrow().entry();
  }

  static void mkfifo(Path path) throws Exception {
    Process process = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isZero();
  }
}
