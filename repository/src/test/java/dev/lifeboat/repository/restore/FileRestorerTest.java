package dev.lifeboat.repository.restore;

import dev.lifeboat.events.v1.SnapshotKind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.repository.RepositoryDamage;
import dev.lifeboat.repository.ChunkStore.ChunkRef;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Manifest.FileEntry;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.InMemoryBlobStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileRestorerTest {
  private static final Instant T1 = Instant.parse("2024-05-06T07:08:09.123456789Z");
  private static final Instant T2 = Instant.parse("2023-01-02T03:04:05.5Z");

  @TempDir
  Path dir;

  private final java.util.concurrent.atomic.AtomicInteger rangedReads = new java.util.concurrent.atomic.AtomicInteger();
  /** Reads of packs fail as when the store cannot be reached. */
  private volatile boolean packsUnreachable;
  private final dev.lifeboat.repository.blob.BlobStore store = new dev.lifeboat.repository.blob.ForwardingBlobStore(
      new InMemoryBlobStore("test")) {
    @Override
    public java.util.Optional<byte[]> getRange(String key, long offset, int length) {
      rangedReads.incrementAndGet();
      if (packsUnreachable) {
        throw new java.io.UncheckedIOException(new java.net.ConnectException("store unreachable (test)"));
      }
      return delegate.getRange(key, offset, length);
    }

    @Override
    public java.util.Optional<byte[]> get(String key) {
      if (packsUnreachable && key.contains("pack")) {
        throw new java.io.UncheckedIOException(new java.net.ConnectException("store unreachable (test)"));
      }
      return delegate.get(key);
    }
  };
  private final Repository repository = Repository.openOrCreate(store, new byte[32], new ChunkerParams(64, 1024, 4096),
      new SimpleMeterRegistry());

  @Test
  void restoresDirectoriesFilesAndLinksWithTheirModesAndTimes() throws Exception {
    byte[] text = "hello, volume\n".getBytes(StandardCharsets.UTF_8);
    byte[] random = random(10_000, 1);
    Manifest manifest = manifest(
        dir(".", 0755, T2),
        dir("a", 0750, T1),
        file("a/text.txt", 0644, T1, text),
        file("a/random.bin", 0600, T2, Arrays.copyOfRange(random, 0, 5000), Arrays.copyOfRange(random, 5000, 10_000)),
        dir("a/empty", 0700, T2),
        dir("ro", 0555, T1),
        file("ro/inside", 0444, T1, text),
        link("a/link", "text.txt"),
        link("abs", "/etc/hostname"));
    Path target = dir.resolve("target");

    FileRestorer.Report report = new FileRestorer().restore(repository, manifest, target);

    assertThat(report.clean()).as(report.toString()).isTrue();
    assertThat(report.files()).isEqualTo(3);
    assertThat(report.directories()).isEqualTo(4);
    assertThat(report.symlinks()).isEqualTo(2);
    assertThat(report.bytes()).isEqualTo(text.length * 2L + random.length);
    assertThat(Files.readAllBytes(target.resolve("a/text.txt"))).isEqualTo(text);
    assertThat(Files.readAllBytes(target.resolve("a/random.bin"))).isEqualTo(random);
    assertThat(Files.readAllBytes(target.resolve("ro/inside"))).isEqualTo(text);
    assertThat(mode(target.resolve("a/random.bin"))).isEqualTo(0600);
    assertThat(mode(target.resolve("ro"))).isEqualTo(0555);
    assertThat(mode(target.resolve("ro/inside"))).isEqualTo(0444);
    assertThat(mode(target)).isEqualTo(0755);
    assertThat(Files.getLastModifiedTime(target.resolve("a/text.txt")).toInstant()).isEqualTo(T1);
    assertThat(Files.getLastModifiedTime(target.resolve("a")).toInstant()).isEqualTo(T1);
    assertThat(Files.getLastModifiedTime(target).toInstant()).isEqualTo(T2);
    assertThat(Files.isDirectory(target.resolve("a/empty"))).isTrue();
    assertThat(Files.readSymbolicLink(target.resolve("a/link"))).isEqualTo(Path.of("text.txt"));
    assertThat(Files.readSymbolicLink(target.resolve("abs"))).isEqualTo(Path.of("/etc/hostname"));
  }

  @Test
  void zeroBlocksAreLeftAsHolesSoASparseFileStaysSparse() throws Exception {
    byte[] zeros = new byte[4096];
    byte[] data = random(3000, 2);
    List<byte[]> chunks = new ArrayList<>();
    for (int i = 0; i < 256; i++) {
      chunks.add(zeros);
    }
    chunks.add(data);
    for (int i = 0; i < 256; i++) {
      chunks.add(zeros);
    }
    Manifest manifest = manifest(dir(".", 0755, T1), file("sparse", 0644, T1, chunks.toArray(byte[][]::new)));
    Path target = dir.resolve("target");

    FileRestorer.Report report = new FileRestorer().restore(repository, manifest, target);

    assertThat(report.clean()).as(report.toString()).isTrue();
    Path sparse = target.resolve("sparse");
    assertThat(Files.size(sparse)).isEqualTo(512 * 4096L + 3000);
    byte[] restored = Files.readAllBytes(sparse);
    assertThat(Arrays.copyOfRange(restored, 256 * 4096, 256 * 4096 + 3000)).isEqualTo(data);
    assertThat(allocatedKiB(sparse)).isLessThanOrEqualTo(16);
  }

  @Test
  void zeroRunsAcrossUnalignedChunkBoundariesReadBackExactlyAndOnlyWholeZeroBlocksAreSkipped() throws Exception {
    byte[][] chunks = {random(3000, 12), new byte[6000], new byte[5000], random(100, 13), new byte[4096 * 3 + 7]};
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    Path file = dir.resolve("file");
    long written;
    try (SparseFileWriter out = new SparseFileWriter(file)) {
      for (byte[] chunk : chunks) {
        out.write(chunk);
        expected.write(chunk);
      }
      out.finish();
      written = out.written();
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(expected.toByteArray());
    // only the pieces with data are written: 0..3000 and 14000..14100; the zeros of their blocks,
    // like the blocks that are all zero, are never written and read back as zero
    assertThat(written).isEqualTo(3100);
  }

  @Test
  void aCorruptedChunkFailsOnlyItsFileAndTheReportNamesTheChunk() throws Exception {
    byte[] good = random(2000, 3);
    byte[] bad = random(2000, 4);
    Manifest manifest = manifest(dir(".", 0755, T1), file("bad", 0644, T1, bad), file("good", 0644, T1, good));
    String badId = manifest.files().get(1).chunks().get(0).id();
    RepositoryDamage.corruptChunk(repository, badId);
    Path target = dir.resolve("target");

    FileRestorer.Report report = new FileRestorer().restore(repository, manifest, target);

    assertThat(report.errors()).singleElement().satisfies(failure -> {
      assertThat(failure.path()).isEqualTo("bad");
      assertThat(failure.chunkId()).isEqualTo(badId);
      assertThat(failure.message()).contains(badId).contains("corrupted");
    });
    assertThat(target.resolve("bad")).doesNotExist();
    assertThat(Files.readAllBytes(target.resolve("good"))).isEqualTo(good);
    assertThat(report.files()).isEqualTo(1);
  }

  @Test
  void aMissingChunkIsReportedWithItsId() throws Exception {
    Manifest manifest = manifest(dir(".", 0755, T1), file("gone", 0644, T1, random(100, 5)));
    String id = manifest.files().get(1).chunks().get(0).id();
    RepositoryDamage.deletePackOf(repository, id);

    FileRestorer.Report report = new FileRestorer().restore(repository, manifest, dir.resolve("target"));

    assertThat(report.errors()).singleElement().satisfies(failure -> {
      assertThat(failure.chunkId()).isEqualTo(id);
      assertThat(failure.message()).contains("missing");
    });
  }

  @Test
  void contentThatDoesNotHashToTheManifestIsAMismatch() throws Exception {
    byte[] content = random(500, 6);
    FileEntry entry = file("f", 0644, T1, content);
    String wrong = "00".repeat(32);
    FileEntry lying = new FileEntry(entry.path(), entry.type(), entry.mode(), null, null, entry.size(), entry.mtime(), null,
        null, null, wrong, entry.chunks(), null);

    FileRestorer.Report report = new FileRestorer().restore(repository, manifest(lying), dir.resolve("target"));

    assertThat(report.mismatches()).containsExactly(new FileRestorer.Mismatch("f", wrong, entry.sha256()));
    assertThat(report.clean()).isFalse();
  }

  @Test
  void entriesThatWouldLeaveTheTargetAreRefused() throws Exception {
    byte[] content = "x".getBytes(StandardCharsets.UTF_8);
    Manifest manifest = manifest(file("../escaped", 0644, T1, content), file("/tmp/escaped", 0644, T1, content),
        file("a/../../escaped", 0644, T1, content), link("l", "/"), file("ok", 0644, T1, content));
    Path target = dir.resolve("target");

    FileRestorer.Report report = new FileRestorer().restore(repository, manifest, target);

    assertThat(report.errors()).extracting(FileRestorer.Failure::path)
        .containsExactly("../escaped", "/tmp/escaped", "a/../../escaped");
    assertThat(dir.resolve("escaped")).doesNotExist();
    assertThat(target.resolve("ok")).exists();
  }

  @Test
  void aTargetThatIsNotEmptyIsRefused() throws Exception {
    Path target = Files.createDirectories(dir.resolve("target"));
    Files.writeString(target.resolve("existing"), "keep me");

    assertThatThrownBy(() -> new FileRestorer().restore(repository, manifest(dir(".", 0755, T1)), target))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not empty");
    assertThat(Files.readString(target.resolve("existing"))).isEqualTo("keep me");
  }

  @Test
  void entriesTheSnapshotCouldNotReadAreListedAndNotRestored() throws Exception {
    FileEntry unreadable = new FileEntry("unreadable", FileEntry.FILE, 0644, 0, 0, 10, T1, T1, 7L, null, null, null,
        "cannot read: AccessDeniedException");
    FileEntry fifo = new FileEntry("fifo", FileEntry.OTHER, 0644, 0, 0, 0, T1, T1, 8L, null, null, null, "not backed up: a fifo");
    Path target = dir.resolve("target");

    FileRestorer.Report report = new FileRestorer().restore(repository, manifest(dir(".", 0755, T1), unreadable, fifo), target);

    assertThat(report.notInSnapshot()).containsExactly("unreadable", "fifo");
    assertThat(report.clean()).isTrue();
    assertThat(target.resolve("unreadable")).doesNotExist();
  }

  @Test
  void fetchingChunksAheadRestoresTheSameFilesAndPassesOverOneThatFailed() throws Exception {
    byte[] zeros = new byte[4096];
    byte[] first = random(3000, 7);
    byte[] last = random(100, 8);
    byte[][] bad = {random(1000, 9), random(1000, 10), random(1000, 11)};
    Manifest manifest = manifest(dir(".", 0755, T1), file("a", 0644, T1, first, first, zeros), file("b-bad", 0644, T1, bad),
        file("c-sparse", 0644, T1, zeros, zeros, zeros, zeros, zeros, last), file("d", 0644, T1, last));
    String badId = manifest.files().get(2).chunks().get(1).id();
    RepositoryDamage.deletePackOf(repository, badId);
    java.util.concurrent.ExecutorService fetches = java.util.concurrent.Executors.newFixedThreadPool(3);
    try {
      Path target = dir.resolve("target");

      FileRestorer.Report report = new FileRestorer(false, fetches, 2).restore(repository, manifest, target);

      assertThat(report.errors()).singleElement().satisfies(failure -> {
        assertThat(failure.path()).isEqualTo("b-bad");
        assertThat(failure.chunkId()).isEqualTo(badId);
      });
      assertThat(report.mismatches()).isEmpty();
      assertThat(report.files()).isEqualTo(3);
      assertThat(Files.size(target.resolve("a"))).isEqualTo(6000 + 4096);
      assertThat(Files.readAllBytes(target.resolve("d"))).isEqualTo(last);
      byte[] sparse = Files.readAllBytes(target.resolve("c-sparse"));
      assertThat(Arrays.copyOfRange(sparse, 5 * 4096, sparse.length)).isEqualTo(last);
      assertThat(target.resolve("b-bad")).as("created ahead, then failed: removed").doesNotExist();
    } finally {
      fetches.shutdownNow();
    }
  }

  @Test
  void filesWrittenSideBySideAreEachWholeWithTheirMetadataAndEachReportedOnce() throws Exception {
    List<FileEntry> entries = new ArrayList<>(List.of(dir(".", 0755, T1)));
    Map<String, byte[]> contents = new java.util.HashMap<>();
    Random sizes = new Random(42);
    long total = 0;
    for (int i = 0; i < 300; i++) {
      String path = "d" + (i % 5) + "/f-" + i;
      int size = i % 50 == 0 ? 0 : sizes.nextInt(9000); // empty files, one chunk, several chunks
      byte[] content = random(size, 1000 + i);
      List<byte[]> chunks = new ArrayList<>();
      for (int at = 0; at < size; at += 2000) {
        chunks.add(Arrays.copyOfRange(content, at, Math.min(size, at + 2000)));
      }
      entries.add(file(path, i % 2 == 0 ? 0640 : 0755, T2, chunks.toArray(byte[][]::new)));
      contents.put(path, content);
      total += size;
    }
    java.util.concurrent.ExecutorService fetches = java.util.concurrent.Executors.newFixedThreadPool(2);
    java.util.concurrent.atomic.AtomicBoolean inside = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicBoolean overlapped = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicLong reported = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    try {
      Path target = dir.resolve("target");

      // one maximum-size chunk of memory ahead: the writers hold back the taking of chunks all along
      FileRestorer.Report report = new FileRestorer(false, fetches, 1).restore(repository,
          manifest(entries.toArray(FileEntry[]::new)), target, bytes -> {
            if (!inside.compareAndSet(false, true)) {
              overlapped.set(true);
            }
            reported.addAndGet(bytes);
            calls.incrementAndGet();
            inside.set(false);
          });

      assertThat(report.clean()).isTrue();
      assertThat(report.files()).isEqualTo(300);
      assertThat(report.bytes()).isEqualTo(total);
      assertThat(calls.get()).isEqualTo(300);
      assertThat(reported.get()).isEqualTo(total);
      assertThat(overlapped.get()).as("progress is told one file at a time").isFalse();
      for (int i = 0; i < 300; i++) {
        Path file = target.resolve("d" + (i % 5) + "/f-" + i);
        assertThat(Files.readAllBytes(file)).isEqualTo(contents.get("d" + (i % 5) + "/f-" + i));
        assertThat(Files.getAttribute(file, "unix:mode")).isEqualTo((i % 2 == 0 ? 0640 : 0755) | 0100000);
        assertThat(Files.getLastModifiedTime(file).toInstant()).isEqualTo(T2);
      }
    } finally {
      fetches.shutdownNow();
    }
  }

  @Test
  void smallFilesStoredSideBySideAreReadTogetherAndADamagedChunkAmongThemFailsOnlyItsFile() throws Exception {
    List<FileEntry> entries = new ArrayList<>(List.of(dir(".", 0755, T1)));
    List<byte[]> contents = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      byte[] content = random(200 + i, 100 + i);
      contents.add(content);
      List<ChunkRef> refs = List.of(repository.chunks().put(content).ref()); // one pack for all of them
      entries.add(new FileEntry(String.format("small-%03d", i), FileEntry.FILE, 0644, 0, 0, content.length, T1, T1, 3L,
          null, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)), refs, null));
    }
    repository.chunks().flush();
    String damaged = entries.get(61).chunks().get(0).id();
    RepositoryDamage.corruptChunk(repository, damaged);
    java.util.concurrent.ExecutorService fetches = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      rangedReads.set(0);

      FileRestorer.Report report = new FileRestorer(false, fetches, 64).restore(repository, manifest(
          entries.toArray(FileEntry[]::new)), dir.resolve("target"));

      assertThat(report.errors()).singleElement().satisfies(failure -> {
        assertThat(failure.path()).isEqualTo("small-060");
        assertThat(failure.chunkId()).isEqualTo(damaged);
      });
      assertThat(report.files()).isEqualTo(119);
      for (int i = 0; i < 120; i++) {
        Path restored = dir.resolve("target").resolve(String.format("small-%03d", i));
        if (i == 60) {
          assertThat(restored).doesNotExist();
        } else {
          assertThat(Files.readAllBytes(restored)).isEqualTo(contents.get(i));
        }
      }
      // 120 chunks one after another in one pack: one ranged read (the damaged chunk's own failure
      // is found when it is opened, not read again); one at a time would have been 120
      assertThat(rangedReads.get()).isLessThanOrEqualTo(2);
    } finally {
      fetches.shutdownNow();
    }
  }

  @Test
  void filesStoredInAnotherOrderThanTheyAreRestoredAreStillReadTogether() throws Exception {
    // a backup's threads put the chunks of several files into one pack in whatever order they finish:
    // here the pack holds the files last to first, with a chunk no file needs between every two
    List<FileEntry> entries = new ArrayList<>(List.of(dir(".", 0755, T1)));
    List<byte[]> contents = new ArrayList<>();
    List<ChunkRef> refs = new ArrayList<>();
    for (int i = 0; i < 80; i++) {
      contents.add(random(300 + i, 500 + i));
    }
    for (int i = 79; i >= 0; i--) {
      refs.add(0, repository.chunks().put(contents.get(i)).ref());
      repository.chunks().put(random(1000, 900 + i)); // stored between them, restored by no file here
    }
    repository.chunks().flush();
    for (int i = 0; i < 80; i++) {
      byte[] content = contents.get(i);
      entries.add(new FileEntry(String.format("f-%03d", i), FileEntry.FILE, 0644, 0, 0, content.length, T1, T1, 3L, null,
          HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)), List.of(refs.get(i)), null));
    }
    java.util.concurrent.ExecutorService fetches = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      rangedReads.set(0);

      FileRestorer.Report report = new FileRestorer(false, fetches, 64).restore(repository, manifest(
          entries.toArray(FileEntry[]::new)), dir.resolve("target"));

      assertThat(report.errors()).isEmpty();
      for (int i = 0; i < 80; i++) {
        assertThat(Files.readAllBytes(dir.resolve("target").resolve(String.format("f-%03d", i)))).isEqualTo(contents.get(i));
      }
      // read in the pack's order, gaps and all: a read or two, not one per file
      assertThat(rangedReads.get()).isLessThanOrEqualTo(2);
    } finally {
      fetches.shutdownNow();
    }
  }

  @Test
  void aRestoreStoppedByAnUnreachableStoreLeavesNoFileCreatedAheadAndNeverWritten() throws Exception {
    List<FileEntry> entries = new ArrayList<>(List.of(dir(".", 0755, T1)));
    for (int i = 0; i < 100; i++) {
      entries.add(file(String.format("sub/f-%03d", i), 0644, T1, random(300, 200 + i)));
    }
    packsUnreachable = true;
    java.util.concurrent.ExecutorService fetches = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      Path target = dir.resolve("target");

      assertThatThrownBy(() -> new FileRestorer(false, fetches, 2).restore(repository, manifest(
          entries.toArray(FileEntry[]::new)), target)).hasMessageContaining("store unreachable");

      // the files after the one being written were created ahead of it; none is left behind empty
      try (var files = Files.walk(target)) {
        assertThat(files.filter(Files::isRegularFile).toList()).hasSizeLessThanOrEqualTo(1);
      }
    } finally {
      fetches.shutdownNow();
    }
  }

  @Test
  void aFileThatCannotBeCreatedFailsAloneWhenFilesAreCreatedAhead() throws Exception {
    byte[] content = random(500, 300);
    // "a" is a file, so "a/b" has no directory to go in
    Manifest manifest = manifest(dir(".", 0755, T1), file("a", 0644, T1, content), file("a/b", 0644, T1, content),
        file("c", 0644, T1, content));
    java.util.concurrent.ExecutorService fetches = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      Path target = dir.resolve("target");

      FileRestorer.Report report = new FileRestorer(false, fetches, 2).restore(repository, manifest, target);

      assertThat(report.errors()).singleElement().satisfies(failure -> assertThat(failure.path()).isEqualTo("a/b"));
      assertThat(report.files()).isEqualTo(2);
      assertThat(Files.readAllBytes(target.resolve("a"))).isEqualTo(content);
      assertThat(Files.readAllBytes(target.resolve("c"))).isEqualTo(content);
    } finally {
      fetches.shutdownNow();
    }
  }

  private Manifest manifest(FileEntry... entries) {
    return new Manifest(Manifest.FORMAT, "20260101T000000Z-t", SnapshotKind.VOLUME, "test", "test", T1, null, SnapshotPhase.COMPLETED, null,
        List.of(entries), Map.of());
  }

  private static FileEntry dir(String path, int mode, Instant mtime) {
    return new FileEntry(path, FileEntry.DIRECTORY, mode, 0, 0, 0, mtime, mtime, 1L, null, null, null, null);
  }

  private static FileEntry link(String path, String target) {
    return new FileEntry(path, FileEntry.SYMLINK, 0777, 0, 0, 0, T1, T1, 2L, target, null, null, null);
  }

  private FileEntry file(String path, int mode, Instant mtime, byte[]... chunks) throws Exception {
    List<ChunkRef> refs = new ArrayList<>();
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (byte[] chunk : chunks) {
      refs.add(repository.chunks().put(chunk).ref());
      repository.chunks().flush(); // one pack per chunk, so a test can remove exactly one chunk
      all.write(chunk);
    }
    String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(all.toByteArray()));
    return new FileEntry(path, FileEntry.FILE, mode, 0, 0, all.size(), mtime, mtime, 3L, null, sha256, refs, null);
  }

  private static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private static int mode(Path path) throws Exception {
    return (int) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
  }

  /** Disk space a file takes, as {@code du} counts it. */
  static long allocatedKiB(Path file) throws Exception {
    Process process = new ProcessBuilder("du", "-k", file.toString()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    return Long.parseLong(output.split("\\s+")[0]);
  }
}
