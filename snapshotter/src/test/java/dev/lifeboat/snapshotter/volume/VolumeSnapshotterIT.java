package dev.lifeboat.snapshotter.volume;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.embedded.EmbeddedStack;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Manifest.FileEntry;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.RepositoryDamage;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.blob.S3BlobStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.restore.FileRestorer;
import dev.lifeboat.testing.Closer;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Volume trees snapshotted into a real S3 repository and restored from it. */
@LifeboatIntegrationTest
class VolumeSnapshotterIT {
  private static final int MIB = 1 << 20;
  private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

  @TempDir
  Path dir;

  @RegisterExtension
  final Closer closer = new Closer();

  private final ExecutorService uploads = closer.threads(2);

  @Test
  void aTreeRestoresWithItsContentModesTimesLinksAndEmptyDirectoriesAndASparseFileStaysSparse(TestStack stack)
      throws Exception {
    Path root = Files.createDirectories(dir.resolve("volume"));
    Random random = new Random(1);
    Files.createDirectories(root.resolve("data/nested/deeper"));
    Files.createDirectories(root.resolve("data/empty"));
    Files.createDirectories(root.resolve("empty-at-top"));
    Files.writeString(root.resolve("README.txt"), "a volume for tests\n".repeat(100));
    Files.writeString(root.resolve("data/nested/deeper/config.yaml"), "key: value\nother: 42\n");
    Files.write(root.resolve("data/random-small.bin"), bytes(random, 12_345));
    Files.write(root.resolve("data/nested/random.bin"), bytes(random, 300_000));
    Files.write(root.resolve("data/multi-mib.bin"), bytes(random, 6 * MIB + 123));
    Files.write(root.resolve("data/empty-file"), new byte[0]);
    Path script = Files.writeString(root.resolve("run.sh"), "#!/bin/sh\necho hello\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(root.resolve("data/random-small.bin"), PosixFilePermissions.fromString("rw-------"));
    Files.setPosixFilePermissions(root.resolve("data/nested/deeper/config.yaml"), PosixFilePermissions.fromString("r--r--r--"));
    Files.setPosixFilePermissions(root.resolve("data/nested/deeper"), PosixFilePermissions.fromString("r-xr-xr-x"));
    Files.createSymbolicLink(root.resolve("data/relative-link"), Path.of("nested/random.bin"));
    Files.createSymbolicLink(root.resolve("absolute-link"), Path.of("/var/lib/app/data"));
    Path sparse = root.resolve("data/sparse.img");
    try (RandomAccessFile file = new RandomAccessFile(sparse.toFile(), "rw")) {
      file.setLength(64L * MIB);
      file.seek(32L * MIB);
      file.write(bytes(random, 8 << 10));
    }
    Files.setLastModifiedTime(root.resolve("README.txt"), FileTime.from(Instant.parse("2021-03-04T05:06:07.891234567Z")));
    if (ROOT) {
      Files.setAttribute(root.resolve("run.sh"), "unix:uid", 1234);
      Files.setAttribute(root.resolve("run.sh"), "unix:gid", 5678);
    }
    Map<String, String> before = TreeDescription.of(root, ROOT);

    Repository repository = repository(stack, new ChunkerParams(64 << 10, 256 << 10, 1 << 20));
    VolumeSnapshotter snapshotter = new VolumeSnapshotter(repository, uploads, Clock.systemUTC());
    long[] progress = {0};
    VolumeSnapshotter.Result first = snapshotter.snapshot(root, "test", "pvc-tree", "20260101T000000Z-1", n -> progress[0] = n);

    assertThat(first.phase()).isEqualTo(SnapshotPhase.COMPLETED);
    assertThat(first.files()).isEqualTo(8);
    assertThat(first.bytes()).isEqualTo(progress[0]).isGreaterThan(70L * MIB);
    assertThat(first.manifest().details()).containsEntry("files", "8").containsEntry("symlinks", "2").containsEntry("errors", "0");
    assertThat(first.written().key()).startsWith("manifests/volume/pvc-tree/");

    Manifest stored = repository.manifests().read(first.written().key()).orElseThrow();
    Path restored = dir.resolve("restored");
    FileRestorer.Report report = new FileRestorer(true).restore(repository, stored, restored);

    assertThat(report.clean()).as(report.toString()).isTrue();
    assertThat(report.files()).isEqualTo(8);
    assertThat(report.symlinks()).isEqualTo(2);
    assertThat(TreeDescription.of(restored, ROOT)).isEqualTo(before);
    assertThat(allocatedKiB(sparse)).as("the source is sparse").isLessThan(1024);
    assertThat(allocatedKiB(restored.resolve("data/sparse.img"))).as("allocated KiB of a 64 MiB file with 8 KiB of data")
        .isLessThan(256);

    VolumeSnapshotter.Result second = snapshotter.snapshot(root, "test", "pvc-tree", "20260101T000100Z-2", n -> {});

    assertThat(second.manifest().parent()).isEqualTo("20260101T000000Z-1");
    assertThat(second.newChunks()).isZero();
    assertThat(second.newBytes()).isZero();
    assertThat(second.reusedFiles()).isEqualTo(second.files()).isEqualTo(8);
  }

  @Test
  void afterChangingOnePercentOfATwentyMiBTreeTheNextSnapshotStoresOnlyASmallFraction(TestStack stack) throws Exception {
    Path root = Files.createDirectories(dir.resolve("volume"));
    Random random = new Random(2);
    long total = 0;
    for (int i = 0; i < 10; i++) {
      Path file = Files.createDirectories(root.resolve("shard-" + (i % 3))).resolve("segment-" + i + ".dat");
      byte[] content = bytes(random, 2 * MIB + random.nextInt(64 << 10));
      Files.write(file, content);
      total += content.length;
    }
    for (int i = 0; i < 200; i++) {
      byte[] content = ("record " + i + " ").repeat(1 + random.nextInt(200)).getBytes(StandardCharsets.UTF_8);
      Files.write(Files.createDirectories(root.resolve("small")).resolve("r" + i + ".txt"), content);
      total += content.length;
    }
    Repository repository = repository(stack, new ChunkerParams(16 << 10, 64 << 10, 256 << 10));
    VolumeSnapshotter snapshotter = new VolumeSnapshotter(repository, uploads, Clock.systemUTC());

    VolumeSnapshotter.Result first = snapshotter.snapshot(root, "test", "pvc-db", "20260101T000000Z-1", n -> {});
    Map<String, String> atFirst = TreeDescription.of(root, false);

    // edit in place: 8 runs of 24 KiB in 4 of the files, about 1% of the bytes
    long changed = 0;
    for (int i = 0; i < 4; i++) {
      Path file = root.resolve("shard-" + (i % 3)).resolve("segment-" + i + ".dat");
      try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
        for (long at : new long[] {out.length() / 5, out.length() * 3 / 5}) {
          out.seek(at);
          out.write(bytes(random, 24 << 10));
          changed += 24 << 10;
        }
      }
    }
    Map<String, String> atSecond = TreeDescription.of(root, false);
    VolumeSnapshotter.Result second = snapshotter.snapshot(root, "test", "pvc-db", "20260101T000100Z-2", n -> {});

    double fraction = (double) second.newBytes() / total;
    System.out.printf("volume snapshot of %.1f MiB (%d files): %.1f MB/s; after changing %.2f%% in place: %d new chunks, "
        + "%.1f KiB new (%.2f%% of the tree), %d files reused%n", total / (double) MIB, first.files(),
        total / 1e6 / (first.duration().toNanos() / 1e9), 100.0 * changed / total, second.newChunks(),
        second.newBytes() / 1024.0, 100 * fraction, second.reusedFiles());
    assertThat(first.newBytes()).isGreaterThan(total * 9 / 10);
    assertThat(fraction).as("new bytes after a 1% change, as a fraction of the tree").isLessThan(0.10);
    assertThat(second.reusedFiles()).isEqualTo(second.files() - 4);

    long started = System.nanoTime();
    FileRestorer.Report older = new FileRestorer().restore(repository, first.manifest(), dir.resolve("first"));
    System.out.printf("restore of %.1f MiB: %.1f MB/s%n", total / (double) MIB, total / 1e6 / ((System.nanoTime() - started) / 1e9));
    started = System.nanoTime();
    FileRestorer.Report newer = new FileRestorer(false, uploads, 4).restore(repository, second.manifest(), dir.resolve("second"));
    System.out.printf("restore of %.1f MiB fetching ahead: %.1f MB/s%n", total / (double) MIB,
        total / 1e6 / ((System.nanoTime() - started) / 1e9));
    assertThat(older.clean()).as(older.toString()).isTrue();
    assertThat(newer.clean()).as(newer.toString()).isTrue();
    assertThat(TreeDescription.of(dir.resolve("first"), false)).isEqualTo(atFirst);
    assertThat(TreeDescription.of(dir.resolve("second"), false)).isEqualTo(atSecond);
  }

  @Test
  void entriesThatCannotBeReadAreRecordedWithTheirErrorAndTheSnapshotIsPartiallyFailed(TestStack stack) throws Exception {
    Path root = Files.createDirectories(dir.resolve("volume"));
    // files are read side by side, by up to VolumeSnapshotter.READERS threads: enough files come
    // before the vanishing one that it is read only after the first progress report deleted it
    for (int i = 0; i < VolumeSnapshotter.READERS; i++) {
      Files.write(root.resolve("a-first-" + i + ".bin"), bytes(new Random(3 + i), 500_000));
    }
    Files.writeString(root.resolve("m-vanishing.txt"), "deleted while the snapshot reads the file before it");
    Files.writeString(root.resolve("z-ok.txt"), "fine");
    FileTreeTest.mkfifo(root.resolve("pipe"));
    if (!ROOT) {
      Path denied = Files.writeString(root.resolve("denied.txt"), "no access");
      Files.setPosixFilePermissions(denied, PosixFilePermissions.fromString("---------"));
    }
    Repository repository = repository(stack, new ChunkerParams(16 << 10, 64 << 10, 256 << 10));
    VolumeSnapshotter snapshotter = new VolumeSnapshotter(repository, uploads, Clock.systemUTC());

    VolumeSnapshotter.Result result = snapshotter.snapshot(root, "test", "pvc-errors", "20260101T000000Z-1", n -> {
      try {
        Files.deleteIfExists(root.resolve("m-vanishing.txt"));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });

    assertThat(result.phase()).isEqualTo(SnapshotPhase.PARTIALLY_FAILED);
    Map<String, String> errors = new java.util.TreeMap<>();
    result.failed().forEach(e -> errors.put(e.path(), e.error()));
    assertThat(errors).containsKeys("m-vanishing.txt", "pipe").hasSize(ROOT ? 2 : 3);
    assertThat(errors.get("m-vanishing.txt")).contains("vanished");
    assertThat(errors.get("pipe")).contains("fifo");
    if (!ROOT) {
      assertThat(errors.get("denied.txt")).contains("AccessDenied");
    }
    Manifest stored = repository.manifests().read(result.written().key()).orElseThrow();
    assertThat(stored.phase()).isEqualTo(SnapshotPhase.PARTIALLY_FAILED);
    assertThat(stored.details()).containsEntry("errors", Integer.toString(errors.size()));

    FileRestorer.Report report = new FileRestorer().restore(repository, stored, dir.resolve("restored"));
    assertThat(report.clean()).isTrue();
    assertThat(report.notInSnapshot()).containsExactlyInAnyOrderElementsOf(errors.keySet());
    assertThat(Files.readString(dir.resolve("restored/z-ok.txt"))).isEqualTo("fine");
  }

  @Test
  void aChunkCorruptedInTheStoreIsReportedByItsIdWhenRestoring(TestStack stack) throws Exception {
    Path root = Files.createDirectories(dir.resolve("volume"));
    Files.write(root.resolve("damaged.bin"), bytes(new Random(4), 300_000));
    Files.writeString(root.resolve("intact.txt"), "still restorable");
    BlobStore store = store(stack);
    Repository repository = Repository.openOrCreate(store, new byte[32], new ChunkerParams(16 << 10, 64 << 10, 256 << 10),
        new SimpleMeterRegistry());
    VolumeSnapshotter.Result result = new VolumeSnapshotter(repository, uploads, Clock.systemUTC())
        .snapshot(root, "test", "pvc-corrupt", "20260101T000000Z-1", n -> {});
    FileEntry damaged = result.manifest().files().stream().filter(f -> f.path().equals("damaged.bin")).findFirst().orElseThrow();
    String id = damaged.chunks().get(1).id();
    RepositoryDamage.corruptChunk(repository, id);

    FileRestorer.Report report = new FileRestorer().restore(repository, result.manifest(), dir.resolve("restored"));

    assertThat(report.errors()).singleElement().satisfies(failure -> {
      assertThat(failure.path()).isEqualTo("damaged.bin");
      assertThat(failure.chunkId()).isEqualTo(id);
      assertThat(failure.message()).contains(id).contains("corrupted");
    });
    assertThat(dir.resolve("restored/damaged.bin")).doesNotExist();
    assertThat(Files.readString(dir.resolve("restored/intact.txt"))).isEqualTo("still restorable");
  }

  private static Repository repository(TestStack stack, ChunkerParams params) {
    return Repository.openOrCreate(store(stack), new byte[32], params, new SimpleMeterRegistry());
  }

  private static BlobStore store(TestStack stack) {
    var s3 = stack.stack().primary();
    return new S3BlobStore(new StoreConfig("primary", s3.endpoint(), EmbeddedStack.PRIMARY_BUCKET,
        "volume-" + UUID.randomUUID(), s3.accessKey(), s3.secretKey(), null));
  }

  private static byte[] bytes(Random random, int size) {
    byte[] bytes = new byte[size];
    random.nextBytes(bytes);
    return bytes;
  }

  /** Disk space a file takes, as {@code du} counts it. */
  private static long allocatedKiB(Path file) throws Exception {
    Process process = new ProcessBuilder("du", "-k", file.toString()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    return Long.parseLong(output.split("\\s+")[0]);
  }
}
