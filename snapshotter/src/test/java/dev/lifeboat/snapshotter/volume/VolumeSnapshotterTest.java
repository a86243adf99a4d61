package dev.lifeboat.snapshotter.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Manifest.FileEntry;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.BlobOperation;
import dev.lifeboat.repository.blob.FaultInjectingBlobStore;
import dev.lifeboat.repository.blob.InMemoryBlobStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.restore.FileRestorer;
import dev.lifeboat.retry.PermanentFailure;
import dev.lifeboat.testing.Closer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The snapshotter over an in-memory repository: reuse, errors and bounds, without S3. */
class VolumeSnapshotterTest {
  private static final ChunkerParams PARAMS = new ChunkerParams(1 << 10, 4 << 10, 16 << 10);

  @TempDir
  Path dir;

  @RegisterExtension
  final Closer closer = new Closer();

  private final ExecutorService uploads = closer.threads(4);
  private final InMemoryBlobStore memory = new InMemoryBlobStore("memory");
  private final FaultInjectingBlobStore store = new FaultInjectingBlobStore(memory);
  private final Repository repository = Repository.openOrCreate(store, new byte[32], PARAMS, new SimpleMeterRegistry());
  private final VolumeSnapshotter snapshotter = new VolumeSnapshotter(repository, uploads, Clock.systemUTC());

  @Test
  void anUnchangedFileIsTakenFromTheParentAndAChangedOneIsReadAgain() throws Exception {
    Path root = tree();
    VolumeSnapshotter.Result first = snapshotter.snapshot(root, "c", "pvc-1", "20260101T000000Z-1", n -> {});
    assertThat(first.reusedFiles()).isZero();
    assertThat(first.manifest().parent()).isNull();

    Files.writeString(root.resolve("dir/small.txt"), " and more", StandardOpenOption.APPEND);
    VolumeSnapshotter.Result second = snapshotter.snapshot(root, "c", "pvc-1", "20260101T000100Z-2", n -> {});

    assertThat(second.manifest().parent()).isEqualTo("20260101T000000Z-1");
    assertThat(second.files()).isEqualTo(3);
    assertThat(second.reusedFiles()).isEqualTo(2);
    assertThat(entry(second.manifest(), "big.bin").chunks()).isEqualTo(entry(first.manifest(), "big.bin").chunks());
    assertThat(entry(second.manifest(), "dir/small.txt").sha256()).isNotEqualTo(entry(first.manifest(), "dir/small.txt").sha256());
    assertThat(second.manifest().details()).containsEntry("reusedFiles", "2").containsEntry("files", "3");
  }

  @Test
  void aFileRewrittenWithItsOldSizeAndMtimePutBackIsStillReadAgain() throws Exception {
    Path root = tree();
    Path file = root.resolve("dir/small.txt");
    VolumeSnapshotter.Result first = snapshotter.snapshot(root, "c", "pvc-1", "20260101T000000Z-1", n -> {});
    FileTime mtime = Files.getLastModifiedTime(file);
    String content = Files.readString(file);
    Files.writeString(file, content.toUpperCase(java.util.Locale.ROOT));
    Files.setLastModifiedTime(file, mtime);

    VolumeSnapshotter.Result second = snapshotter.snapshot(root, "c", "pvc-1", "20260101T000100Z-2", n -> {});

    assertThat(second.reusedFiles()).isEqualTo(2);
    assertThat(entry(second.manifest(), "dir/small.txt").sha256()).isNotEqualTo(entry(first.manifest(), "dir/small.txt").sha256());
  }

  @Test
  void theSnapshotRestoresToTheSameBytes() throws Exception {
    Path root = tree();
    VolumeSnapshotter.Result result = snapshotter.snapshot(root, "c", "pvc-1", "20260101T000000Z-1", n -> {});
    Manifest stored = repository.manifests().read(result.written().key()).orElseThrow();

    FileRestorer.Report report = new FileRestorer().restore(repository, stored, dir.resolve("restored"));

    assertThat(report.clean()).as(report.toString()).isTrue();
    assertThat(Files.readAllBytes(dir.resolve("restored/big.bin"))).isEqualTo(Files.readAllBytes(root.resolve("big.bin")));
    assertThat(Files.readString(dir.resolve("restored/dir/small.txt"))).isEqualTo(Files.readString(root.resolve("dir/small.txt")));
  }

  @Test
  void aFileThatVanishesBeforeItIsReadIsRecordedWithItsErrorAndTheSnapshotIsPartiallyFailed() throws Exception {
    Path root = tree();
    Path doomed = root.resolve("dir/small.txt");
    // files are read side by side: enough large files come first that the doomed one is read only
    // after the first progress report deleted it
    for (int i = 0; i < VolumeSnapshotter.READERS; i++) {
      byte[] big = new byte[300_000];
      new Random(20 + i).nextBytes(big);
      Files.write(root.resolve("a-big-" + i + ".bin"), big);
    }

    VolumeSnapshotter.Result result = snapshotter.snapshot(root, "c", "pvc-1", "20260101T000000Z-1", bytes -> {
      try {
        Files.deleteIfExists(doomed); // while the large files (sorted first) are being read
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });

    assertThat(result.phase()).isEqualTo(VolumeSnapshotter.PARTIALLY_FAILED);
    assertThat(result.failed()).singleElement().satisfies(e -> {
      assertThat(e.path()).isEqualTo("dir/small.txt");
      assertThat(e.error()).contains("vanished");
      assertThat(e.chunks()).isNull();
    });
    assertThat(repository.manifests().read(result.written().key()).orElseThrow().phase()).isEqualTo(SnapshotPhase.PARTIALLY_FAILED);
    assertThat(result.manifest().details()).containsEntry("errors", "1");
  }

  @Test
  void aFileWrittenToWhileItIsReadIsRecordedAsReadAndReadAgainNextTime() throws Exception {
    Path root = tree();
    Path growing = root.resolve("big.bin");
    boolean[] appended = {false};

    VolumeSnapshotter.Result first = snapshotter.snapshot(root, "c", "pvc-1", "20260101T000000Z-1", bytes -> {
      if (!appended[0]) {
        appended[0] = true;
        try {
          Files.write(growing, new byte[] {1, 2, 3}, StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    });

    assertThat(first.phase()).isEqualTo(VolumeSnapshotter.COMPLETED);
    assertThat(first.manifest().details()).containsEntry("changedWhileRead", "1");
    FileRestorer.Report report = new FileRestorer().restore(repository, first.manifest(), dir.resolve("restored"));
    assertThat(report.clean()).as("what was read is self-consistent: " + report).isTrue();
    VolumeSnapshotter.Result second = snapshotter.snapshot(root, "c", "pvc-1", "20260101T000100Z-2", n -> {});
    assertThat(second.reusedFiles()).isEqualTo(2);
    assertThat(entry(second.manifest(), "big.bin").size()).isEqualTo(Files.size(growing));
  }

  @Test
  void aFifoMakesTheSnapshotPartiallyFailedAndIsNeverOpened() throws Exception {
    Path root = tree();
    FileTreeTest.mkfifo(root.resolve("dir/pipe"));

    VolumeSnapshotter.Result result = snapshotter.snapshot(root, "c", "pvc-1", "20260101T000000Z-1", n -> {});

    assertThat(result.phase()).isEqualTo(VolumeSnapshotter.PARTIALLY_FAILED);
    assertThat(result.failed()).extracting(FileEntry::path).containsExactly("dir/pipe");
    assertThat(result.files()).isEqualTo(3);
  }

  @Test
  void whenTheStoreFailsNoManifestIsWritten() throws Exception {
    Path root = tree();
    store.failNext(BlobOperation.PUT, 1, FaultInjectingBlobStore.Fault.PERMANENT);

    assertThatThrownBy(() -> snapshotter.snapshot(root, "c", "pvc-1", "20260101T000000Z-1", n -> {}))
        .isInstanceOf(PermanentFailure.class);
    assertThat(repository.manifests().list(VolumeSnapshotter.KIND, "pvc-1")).isEmpty();
  }

  @Test
  void smallFilesArePackedAndPacksUploadSideBySide() throws Exception {
    Path root = Files.createDirectories(dir.resolve("many"));
    Random random = new Random(3);
    for (int i = 0; i < 40; i++) {
      byte[] bytes = new byte[random.nextInt(60_000)];
      random.nextBytes(bytes);
      Files.write(root.resolve("f" + i), bytes);
    }
    int packSize = 64 << 10;
    AtomicLong largestPack = new AtomicLong();
    AtomicInteger packs = new AtomicInteger();
    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger mostConcurrent = new AtomicInteger();
    InMemoryBlobStore slow = new InMemoryBlobStore("slow") {
      @Override
      public boolean putIfAbsent(String key, byte[] data) {
        if (key.startsWith("packs/")) {
          packs.incrementAndGet();
          largestPack.accumulateAndGet(data.length, Math::max);
          mostConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
          try {
            Thread.sleep(20);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          concurrent.decrementAndGet();
        }
        return super.putIfAbsent(key, data);
      }
    };
    Repository slowRepository = Repository.openOrCreate(slow, new byte[32], PARAMS, packSize, new SimpleMeterRegistry());
    ExecutorService wide = Executors.newFixedThreadPool(8);
    VolumeSnapshotter.Result result;
    try {
      result = new VolumeSnapshotter(slowRepository, wide, 3, Clock.systemUTC())
          .snapshot(root, "c", "many", "20260101T000000Z-1", n -> {});
    } finally {
      wide.shutdownNow();
    }
    assertThat(result.newChunks()).isGreaterThan(100);
    assertThat(packs.get()).as("packs, not one object per chunk").isBetween(10, (int) (result.newChunks() / 4));
    assertThat(largestPack.get()).as("a pack grows past its size by one chunk at most")
        .isLessThanOrEqualTo(packSize + PARAMS.max() + 4096L);
    assertThat(mostConcurrent.get()).as("packs upload side by side").isGreaterThan(1);
    Path restored = dir.resolve("restored");
    assertThat(new FileRestorer().restore(slowRepository, result.manifest(), restored).errors()).isEmpty();
    for (int i = 0; i < 40; i++) {
      assertThat(Files.readAllBytes(restored.resolve("f" + i))).isEqualTo(Files.readAllBytes(root.resolve("f" + i)));
    }
  }

  private Path tree() throws Exception {
    Path root = Files.createDirectories(dir.resolve("volume"));
    byte[] big = new byte[200_000];
    new Random(1).nextBytes(big);
    Files.write(root.resolve("big.bin"), big);
    Files.createDirectories(root.resolve("dir/empty"));
    Files.writeString(root.resolve("dir/small.txt"), "small file");
    Files.writeString(root.resolve("dir/zz.txt"), "another");
    Files.createSymbolicLink(root.resolve("link"), Path.of("dir/small.txt"));
    return root;
  }

  private static FileEntry entry(Manifest manifest, String path) {
    Optional<FileEntry> entry = manifest.files().stream().filter(f -> f.path().equals(path)).findFirst();
    return entry.orElseThrow();
  }
}
