package dev.lifeboat.snapshotter.volume;

import dev.lifeboat.repository.testing.TestStores;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.embedded.EmbeddedS3;
import dev.lifeboat.embedded.EmbeddedStack;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.pack.Pack;
import dev.lifeboat.repository.restore.FileRestorer;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A snapshotter killed with SIGKILL part-way: the next snapshot reuses what the dead one uploaded. */
@LifeboatIntegrationTest
class VolumeSnapshotCrashIT {
  static final ChunkerParams PARAMS = new ChunkerParams(64 << 10, 256 << 10, 1 << 20);
  static final int PACK_SIZE = 1 << 20;

  @TempDir Path dir;

  @Test
  void aKilledSnapshotsUploadsAreReusedByTheNextOne(TestStack stack) throws Exception {
    Path volume = Files.createDirectories(dir.resolve("volume"));
    Random random = new Random(11);
    long total = 0;
    for (int i = 0; i < 16; i++) {
      byte[] data = new byte[2 << 20];
      random.nextBytes(data); // incompressible: stored bytes track plaintext bytes
      Files.write(volume.resolve("file-" + i), data);
      total += data.length;
    }
    String prefix = "crash-" + UUID.randomUUID();
    EmbeddedS3 s3 = stack.stack().primary();
    BlobStore store = TestStores.primary(stack, prefix);
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), SnapshotInAnotherProcess.class.getName(),
        s3.endpoint(), EmbeddedStack.PRIMARY_BUCKET, prefix, s3.accessKey(), s3.secretKey(), volume.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (packs(store) < 8 && child.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(child.isAlive()).as(Files.readString(dir.resolve("child.log"))).isTrue();
    } finally {
      child.destroyForcibly(); // SIGKILL: no shutdown hook, no flush, no index
      child.waitFor(10, TimeUnit.SECONDS);
    }
    int uploadedBeforeKill = packs(store);
    List<String> manifests = new ArrayList<>();
    store.list("manifests/", info -> manifests.add(info.key()));
    assertThat(manifests).as("no manifest from the killed snapshot").isEmpty();

    Repository restarted = Repository.openOrCreate(store, new byte[32], PARAMS, PACK_SIZE, new SimpleMeterRegistry());
    ExecutorService uploads = Executors.newFixedThreadPool(2);
    VolumeSnapshotter.Result result;
    try {
      result = new VolumeSnapshotter(restarted, uploads, Clock.systemUTC()).snapshot(volume, "test", "pvc-crash",
          "20260101T000100Z-000002", n -> {});
    } finally {
      uploads.shutdownNow();
    }

    long reusedAtLeast = (uploadedBeforeKill - 1L) * PACK_SIZE; // every pack but a last partial one is full
    assertThat(result.newBytes()).as("the packs the killed process uploaded (%d) are reused", uploadedBeforeKill)
        .isLessThan(total - reusedAtLeast + PACK_SIZE);
    Path restored = dir.resolve("restored");
    FileRestorer.Report report = new FileRestorer().restore(restarted, result.manifest(), restored);
    assertThat(report.errors()).isEmpty();
    assertThat(report.mismatches()).isEmpty();
    for (int i = 0; i < 16; i++) {
      assertThat(Files.mismatch(volume.resolve("file-" + i), restored.resolve("file-" + i))).isEqualTo(-1L);
    }
  }

  private static int packs(BlobStore store) {
    List<String> keys = new ArrayList<>();
    store.list(Pack.PREFIX, info -> keys.add(info.key()));
    return keys.size();
  }
}
