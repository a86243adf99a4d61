package dev.lifeboat.verifier;

import static dev.lifeboat.verifier.VerifierFixture.assertEtcdToolsInstalled;
import static dev.lifeboat.verifier.VerifierFixture.newRepository;
import static dev.lifeboat.verifier.VerifierFixture.restoreSource;
import static dev.lifeboat.verifier.VerifierFixture.scratchVerifier;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.embedded.EmbeddedEtcd;
import dev.lifeboat.events.v1.VerificationOutcome;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.RepositoryDamage;
import dev.lifeboat.restore.Progress;
import dev.lifeboat.snapshotter.etcd.EtcdSnapshotter;
import dev.lifeboat.snapshotter.volume.VolumeSnapshotter;
import dev.lifeboat.testing.Closer;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a verification writes to disk is private to the verifier's user while it exists, and gone
 * when the verification ends, passed or failed: the scratch directory, the decrypted etcd database
 * (every Secret of the cluster), the etcd data restored from it and the scratch etcd's log. The
 * scratch directory is walked at every progress report of the restore.
 */
@LifeboatIntegrationTest
class ScratchDirectoryIT {
  @TempDir
  Path dir;

  @RegisterExtension
  final Closer closer = new Closer();
  private final ExecutorService uploads = Executors.newFixedThreadPool(2);
  private Path root;
  private SnapshotVerifier verifier;

  @BeforeEach
  void verifier() {
    closer.register(uploads::shutdownNow);
    root = dir.resolve("scratch"); // created by the verifier
    verifier = scratchVerifier(root, closer);
  }

  @Test
  void theDecryptedEtcdDatabaseAndItsRestoredDataArePrivateAndRemovedAfterAPassAndAFailure(TestStack stack)
      throws Exception {
    assertEtcdToolsInstalled();
    Repository repository = newRepository(stack, "scratch");
    Manifest manifest = etcdSnapshot(stack, repository);
    Map<String, String> seen = new ConcurrentSkipListMap<>();

    SnapshotVerifier.Result passed = verifier.etcd(restoreSource(repository), manifest, update -> walk(seen));

    assertThat(passed.outcome()).as("%s", passed.list()).isEqualTo(VerificationOutcome.PASSED);
    assertThat(seen.keySet()).as("the decrypted database, the restored data and the scratch etcd's log were seen")
        .anyMatch(p -> p.matches("[0-9a-f]{8}/etcd-.*\\.db")).contains("data/member/snap/db", "etcd.log");
    assertThat(seen).allSatisfy((path, mode) -> assertThat(mode).as(path).isIn("d rwx------", "f rw-------"));
    assertPrivateAndEmpty(root);

    String chunk = manifest.streams().get(0).chunks().get(0).id();
    RepositoryDamage.corruptChunk(repository, chunk);
    SnapshotVerifier.Result failed = verifier.etcd(restoreSource(repository), manifest, update -> walk(seen));

    assertThat(failed.outcome()).isEqualTo(VerificationOutcome.FAILED);
    assertThat(failed.list()).anyMatch(c -> c.getName().equals("chunk-integrity") && !c.getPassed());
    assertThat(seen).allSatisfy((path, mode) -> assertThat(mode).as(path).isIn("d rwx------", "f rw-------"));
    assertPrivateAndEmpty(root);
  }

  @Test
  void aVolumeIsRestoredUnderAPrivateDirectoryRemovedAfterAPassAndAFailure(TestStack stack) throws Exception {
    Path volume = Files.createDirectories(dir.resolve("volume/conf"));
    Files.writeString(volume.resolve("app.yaml"), "password: hunter2\n");
    Files.setPosixFilePermissions(volume.resolve("app.yaml"), PosixFilePermissions.fromString("rw-r--r--"));
    Repository repository = newRepository(stack, "scratch");
    Manifest manifest = new VolumeSnapshotter(repository, uploads, Clock.systemUTC())
        .snapshot(volume.getParent(), "test", "pvc-data", "20260101T000000Z-v1", n -> { }).manifest();
    // a scratch root an earlier version left readable by others
    Files.createDirectories(root);
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    Map<String, String> seen = new ConcurrentSkipListMap<>();

    SnapshotVerifier.Result passed = verifier.volume(restoreSource(repository), manifest, update -> walk(seen));

    assertThat(passed.outcome()).as("%s", passed.list()).isEqualTo(VerificationOutcome.PASSED);
    assertThat(seen).as("the verification's own directory").hasEntrySatisfying(idOnly(seen), mode ->
        assertThat(mode).isEqualTo("d rwx------"));
    assertThat(seen).containsKey(idOnly(seen) + "/volume/conf/app.yaml");
    assertPrivateAndEmpty(root);

    RepositoryDamage.corruptChunk(repository, manifest.files().stream().filter(f -> f.path().endsWith("app.yaml"))
        .findFirst().orElseThrow().chunks().get(0).id());
    SnapshotVerifier.Result failed = verifier.volume(restoreSource(repository), manifest, Progress.NONE);

    assertThat(failed.outcome()).isEqualTo(VerificationOutcome.FAILED);
    assertPrivateAndEmpty(root);
  }

  /** The scratch root is 0700 and nothing of any verification is left in it. */
  private static void assertPrivateAndEmpty(Path root) throws IOException {
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root))).isEqualTo("rwx------");
    assertThat(root).isEmptyDirectory();
  }

  /** The one top-level entry seen: the verification's own directory. */
  private static String idOnly(Map<String, String> seen) {
    return seen.keySet().stream().filter(p -> !p.contains("/")).findFirst().orElseThrow();
  }

  /** Notes every directory and regular file under the scratch root, with its permissions. */
  private void walk(Map<String, String> seen) {
    if (!Files.isDirectory(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.filter(p -> !p.equals(root)).forEach(p -> {
        try {
          String kind = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "d "
              : Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? "f " : null;
          if (kind != null) {
            String relative = root.relativize(p).toString();
            // an etcd database is named after the verification's directory; keep one name per kind of file
            seen.put(relative.replaceFirst("^[0-9a-f]{8}/(data|etcd\\.log)", "$1"),
                kind + PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)));
          }
        } catch (IOException e) {
          // removed while walking: the restore goes on
        }
      });
    } catch (IOException | UncheckedIOException e) {
      // a directory removed while walking
    }
  }

  private Manifest etcdSnapshot(TestStack stack, Repository repository) throws Exception {
    EmbeddedEtcd etcd = stack.stack().etcd().orElseThrow();
    try (Client client = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build()) {
      for (int i = 0; i < 50; i++) {
        client.getKVClient().put(ByteSequence.from("scratch-it/secret-" + i, StandardCharsets.UTF_8),
            ByteSequence.from("s3cr3t-" + i, StandardCharsets.UTF_8)).get();
      }
      return new EtcdSnapshotter(client, repository, uploads, Clock.systemUTC())
          .snapshot("test", "etcd", "20260101T000000Z-" + UUID.randomUUID().toString().substring(0, 6), n -> { })
          .manifest();
    }
  }
}
