package dev.lifeboat.restore;

import dev.lifeboat.repository.testing.TestStores;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.embedded.EmbeddedEtcd;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.RepositoryDamage;
import dev.lifeboat.repository.changelog.SegmentStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.snapshotter.etcd.EtcdSnapshotter;
import dev.lifeboat.snapshotter.volume.VolumeSnapshotter;
import dev.lifeboat.testing.Closer;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd and volume snapshots taken by the real snapshotter from the real etcd and a real directory,
 * restored by the engine: etcd into a scratch etcd whose revision and key count match, files with
 * their hashes, modes, links and holes; a damaged chunk named in the failure.
 */
@LifeboatIntegrationTest
class EtcdAndVolumeRestoreIT {
  @RegisterExtension
  final Closer closer = new Closer();

  private final ExecutorService uploads = closer.threads(2);

  @TempDir
  Path dir;

  @Test
  void anEtcdSnapshotRestoresIntoAScratchEtcdWithTheRecordedKeysAndADamagedChunkIsNamed(TestStack stack) throws Exception {
    dev.lifeboat.testing.Required.etcd();
    EmbeddedEtcd source = stack.stack().etcd().orElseThrow();
    Repository repository = repository(stack);
    Manifest manifest;
    try (Client client = Client.builder().endpoints(source.endpoints().toArray(String[]::new)).build()) {
      List<CompletableFuture<?>> puts = new ArrayList<>();
      String prefix = "restore-" + UUID.randomUUID() + "/";
      for (int i = 0; i < 2000; i++) {
        puts.add(client.getKVClient().put(bytes(prefix + i), bytes("value-" + i + "x".repeat(300))));
      }
      CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      manifest = new EtcdSnapshotter(client, repository, uploads, Clock.systemUTC())
          .snapshot("test", "etcd", "20260101T000000Z-e1", n -> {}).manifest();
    }
    RestoreEngine engine = new RestoreEngine(RestoreSource.of(repository, SegmentStore.open(repository, new byte[32]), null));
    assertThat(engine.source().findManifest(dev.lifeboat.events.v1.SnapshotKind.ETCD, manifest.snapshotId()).map(Manifest::snapshotId))
        .hasValue(manifest.snapshotId());
    assertThat(engine.source().findManifest(dev.lifeboat.events.v1.SnapshotKind.VOLUME, manifest.snapshotId())).isEmpty();
    List<Progress.Update> updates = new CopyOnWriteArrayList<>();

    EtcdVerification verified = engine.verifyEtcd(manifest, dir.resolve("scratch"), updates::add);

    assertThat(verified.passed()).isTrue();
    assertThat(verified.restoredKeys()).isEqualTo(Long.parseLong(manifest.details().get("keys")));
    assertThat(verified.restoredRevision()).isGreaterThanOrEqualTo(Long.parseLong(manifest.details().get("revision")));
    assertThat(verified.restore().actualSha256()).isEqualTo(manifest.streams().get(0).sha256());
    assertThat(updates).anyMatch(u -> u.stage().equals("reading") && u.bytesDone() == manifest.streams().get(0).size());
    assertThat(updates).last().satisfies(u -> assertThat(u.finished()).isTrue());

    // one flipped bit in one chunk: the restore stops and names it
    var chunks = manifest.streams().get(0).chunks();
    String chunk = chunks.get(chunks.size() - 1).id(); // how many there are depends on the database's content
    RepositoryDamage.corruptChunk(repository, chunk);
    assertThatThrownBy(() -> engine.restoreEtcd(manifest, dir.resolve("again"), Progress.NONE))
        .isInstanceOfSatisfying(RestoreDataException.class, e -> assertThat(e.chunkId()).isEqualTo(chunk))
        .hasMessageContaining(chunk);
  }

  @Test
  void aVolumeRestoresWithItsHashesModesLinksAndHolesAndADamagedChunkFailsOnlyItsFile(TestStack stack) throws Exception {
    Path volume = Files.createDirectories(dir.resolve("volume"));
    Files.createDirectories(volume.resolve("conf/nested"));
    Files.writeString(volume.resolve("conf/app.yaml"), "replicas: 3\n");
    Files.setPosixFilePermissions(volume.resolve("conf/app.yaml"), PosixFilePermissions.fromString("rw-r-----"));
    Files.write(volume.resolve("data.bin"), random(3 << 20));
    Files.createSymbolicLink(volume.resolve("current"), Path.of("conf/app.yaml"));
    try (RandomAccessFile sparse = new RandomAccessFile(volume.resolve("sparse.img").toFile(), "rw")) {
      sparse.setLength(64L << 20);
      sparse.seek(32L << 20);
      sparse.write("middle".getBytes(StandardCharsets.UTF_8));
    }
    Repository repository = repository(stack);
    Manifest manifest = new VolumeSnapshotter(repository, uploads, Clock.systemUTC())
        .snapshot(volume, "test", "pvc-data", "20260101T000000Z-v1", n -> {}).manifest();
    RestoreEngine engine = new RestoreEngine(RestoreSource.of(repository, SegmentStore.open(repository, new byte[32]), null));

    VolumeRestoreReport restored = engine.restoreVolume(manifest, dir.resolve("restored"), Progress.NONE);

    assertThat(restored.clean()).isTrue();
    assertThat(restored.files().files()).isEqualTo(3);
    Path out = dir.resolve("restored");
    assertThat(Files.readString(out.resolve("conf/app.yaml"))).isEqualTo("replicas: 3\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("conf/app.yaml")))).isEqualTo("rw-r-----");
    assertThat(Files.readSymbolicLink(out.resolve("current"))).isEqualTo(Path.of("conf/app.yaml"));
    assertThat(Files.mismatch(volume.resolve("data.bin"), out.resolve("data.bin"))).isEqualTo(-1);
    assertThat(Files.size(out.resolve("sparse.img"))).isEqualTo(64L << 20);
    assertThat(allocatedKiB(out.resolve("sparse.img"))).as("KiB allocated to a 64 MiB file with 6 bytes").isLessThan(1024);
    assertThat(Files.isDirectory(out.resolve("conf/nested"))).isTrue();

    String chunk = manifest.files().stream().filter(f -> f.path().equals("data.bin")).findFirst().orElseThrow()
        .chunks().get(0).id();
    RepositoryDamage.corruptChunk(repository, chunk);
    VolumeRestoreReport damaged = engine.restoreVolume(manifest, dir.resolve("damaged"), Progress.NONE);
    assertThat(damaged.clean()).isFalse();
    assertThat(damaged.chunksAtFault()).containsExactly(chunk);
    assertThat(damaged.files().files()).isEqualTo(2);
    assertThat(Files.exists(dir.resolve("damaged/data.bin"))).isFalse();
  }

  private static Repository repository(TestStack stack) {
    return Repository.openOrCreate(TestStores.primary(stack, "restore-" + UUID.randomUUID()), new byte[32],
        new ChunkerParams(64 << 10, 256 << 10, 1 << 20), new SimpleMeterRegistry());
  }

  /** Disk space a file takes, as {@code du} counts it. */
  private static long allocatedKiB(Path file) throws Exception {
    Process process = new ProcessBuilder("du", "-k", file.toString()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return Long.parseLong(output.split("\\s+")[0]);
  }

  private static byte[] random(int size) {
    byte[] bytes = new byte[size];
    new java.util.Random(42).nextBytes(bytes);
    return bytes;
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }
}
