package dev.lifeboat.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Manifest.FileEntry;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.RepositoryDamage;
import dev.lifeboat.repository.StreamWriter;
import dev.lifeboat.repository.blob.InMemoryBlobStore;
import dev.lifeboat.repository.changelog.SegmentStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.testing.Closer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restores into a path, as the restore commands ask for them: an etcd snapshot's database written to
 * a file (private, checked, synced; nothing left behind when it fails or is stopped), a volume into an
 * absent or empty directory; and the dry run of each, which checks what the restore checks and
 * writes nothing.
 */
class PathRestoresTest {
  private static final Instant T = Instant.parse("2026-01-01T12:00:00Z");
  @RegisterExtension
  final Closer closer = new Closer();

  private final ExecutorService uploads = closer.threads(2);
  private final Repository repository = Repository.openOrCreate(new InMemoryBlobStore("path-restores"), new byte[32],
      new ChunkerParams(64 << 10, 256 << 10, 1 << 20), new SimpleMeterRegistry());
  private final RestoreEngine engine = new RestoreEngine(RestoreSource.of(repository,
      SegmentStore.open(repository, new byte[32]), null));

  @TempDir
  Path dir;

  @Test
  void theEtcdDatabaseIsWrittenPrivateAndEqualToTheSnapshotsWithProgressEveryMebibyte() throws Exception {
    byte[] database = random(3 * 1024 * 1024 + 17, 1);
    Manifest manifest = etcd(database);
    Path file = dir.resolve("new/dirs/restored.db");
    List<Progress.Update> updates = new CopyOnWriteArrayList<>();

    EtcdDatabaseReport report = engine.restoreEtcdDatabase(manifest, file, updates::add);

    assertThat(Files.readAllBytes(file)).isEqualTo(database);
    assertThat(report.bytes()).isEqualTo(database.length);
    assertThat(report.sha256()).isEqualTo(manifest.streams().get(0).sha256());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("new")))).isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("new/dirs")))).isEqualTo("rwx------");
    assertThat(children(file.getParent())).containsExactly(file);
    assertThat(updates).hasSizeGreaterThanOrEqualTo(3)
        .allSatisfy(u -> assertThat(u.unit()).isEqualTo("bytes"))
        .last().satisfies(u -> assertThat(u.done()).isEqualTo(database.length));
  }

  @Test
  void aDamagedChunkLeavesNoFileAndIsNamed() throws Exception {
    Manifest manifest = etcd(random(2 * 1024 * 1024, 2));
    String chunk = manifest.streams().get(0).chunks().get(1).id();
    RepositoryDamage.corruptChunk(repository, chunk);
    Path file = dir.resolve("restored.db");

    assertThatThrownBy(() -> engine.restoreEtcdDatabase(manifest, file, Progress.NONE))
        .isInstanceOfSatisfying(RestoreDataException.class, e -> assertThat(e.chunkId()).isEqualTo(chunk));
    assertThat(children(dir)).isEmpty();
  }

  @Test
  void aProgressThatThrowsStopsTheWriteAndLeavesNoFile() throws Exception {
    Manifest manifest = etcd(random(3 * 1024 * 1024, 3));
    Path file = dir.resolve("restored.db");
    List<Progress.Update> seen = new ArrayList<>();

    assertThatThrownBy(() -> engine.restoreEtcdDatabase(manifest, file, update -> {
      seen.add(update);
      throw new IllegalStateException("stop");
    })).hasMessage("stop");
    assertThat(seen).hasSize(1).first().satisfies(u -> assertThat(u.done()).isLessThan(3 * 1024 * 1024));
    assertThat(children(dir)).isEmpty();
  }

  @Test
  void aDryRunOfTheDatabaseChecksTheTargetAndWritesNothing() throws Exception {
    byte[] database = random(100_000, 4);
    Manifest manifest = etcd(database);
    Path file = dir.resolve("not/yet/restored.db");

    PathRestorePlan plan = engine.planEtcdDatabase(manifest, file);

    assertThat(plan.bytes()).isEqualTo(database.length);
    assertThat(plan.files()).isEqualTo(1);
    assertThat(children(dir)).isEmpty();
    Path existing = Files.writeString(dir.resolve("existing.db"), "x");
    assertThatThrownBy(() -> engine.planEtcdDatabase(manifest, existing)).hasMessageContaining("exists");
    assertThatThrownBy(() -> engine.restoreEtcdDatabase(manifest, existing, Progress.NONE)).hasMessageContaining("exists");
    assertThat(Files.readString(existing)).isEqualTo("x");
    assertThatThrownBy(() -> engine.planVolume(manifest, dir.resolve("v"))).hasMessageContaining("not a volume");
  }

  @Test
  void aVolumeGoesIntoAnAbsentOrEmptyDirectoryOnlyAndItsDryRunCountsWithoutWriting() throws Exception {
    byte[] big = random(300_000, 5);
    Manifest.Stream data = write("data.bin", big);
    Manifest manifest = new Manifest(Manifest.FORMAT, "20260101T120000Z-v00001", SnapshotKind.VOLUME, "pvc-1", "prod", T,
        null, SnapshotPhase.PARTIALLY_FAILED, null, List.of(
            new FileEntry(FileEntry.ROOT, FileEntry.DIRECTORY, 0755, null, null, 0, T, T, null, null, null, null, null),
            new FileEntry("data.bin", FileEntry.FILE, 0644, null, null, big.length, T, T, null, null, data.sha256(),
                data.chunks(), null),
            new FileEntry("unreadable.bin", FileEntry.FILE, 0600, null, null, 0, T, T, null, null, null, null,
                "permission denied")), Map.of());
    Path full = Files.createDirectories(dir.resolve("full"));
    Files.writeString(full.resolve("keep.txt"), "mine");

    PathRestorePlan plan = engine.planVolume(manifest, dir.resolve("volume"));

    assertThat(plan.files()).isEqualTo(1);
    assertThat(plan.bytes()).isEqualTo(big.length);
    assertThat(Files.exists(dir.resolve("volume"))).isFalse();
    assertThatThrownBy(() -> engine.planVolume(manifest, full)).hasMessageContaining("is not an empty directory");
    assertThatThrownBy(() -> engine.restoreVolume(manifest, full, Progress.NONE))
        .hasMessageContaining("is not an empty directory");
    assertThat(children(full)).containsExactly(full.resolve("keep.txt"));

    VolumeRestoreReport restored = engine.restoreVolume(manifest, Files.createDirectories(dir.resolve("empty")),
        Progress.NONE);
    assertThat(restored.files().files()).isEqualTo(1);
    assertThat(Files.readAllBytes(dir.resolve("empty/data.bin"))).isEqualTo(big);
  }

  private Manifest etcd(byte[] database) throws Exception {
    return new Manifest(Manifest.FORMAT, "20260101T120000Z-e00001", SnapshotKind.ETCD, "etcd", "prod", T, null,
        SnapshotPhase.COMPLETED, List.of(write("etcd.db", database)), null, Map.of());
  }

  private Manifest.Stream write(String name, byte[] bytes) throws Exception {
    Manifest.Stream stream = new StreamWriter(repository.chunks(), repository.chunker(), uploads, 2)
        .write(name, new ByteArrayInputStream(bytes), b -> {}).stream();
    repository.chunks().flush();
    return stream;
  }

  private static List<Path> children(Path directory) throws Exception {
    try (Stream<Path> files = Files.list(directory)) {
      return files.toList();
    }
  }

  private static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }
}
