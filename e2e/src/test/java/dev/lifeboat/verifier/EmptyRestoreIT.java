package dev.lifeboat.verifier;

import static dev.lifeboat.verifier.VerifierFixture.assertEtcdToolsInstalled;
import static dev.lifeboat.verifier.VerifierFixture.newRepository;
import static dev.lifeboat.verifier.VerifierFixture.restoreSource;
import static dev.lifeboat.verifier.VerifierFixture.scratchVerifier;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.embedded.EmbeddedEtcd;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.VerificationCheck;
import dev.lifeboat.events.v1.VerificationOutcome;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.resources.ResourceDocument;
import dev.lifeboat.restore.Progress;
import dev.lifeboat.restore.SourceCluster;
import dev.lifeboat.snapshotter.etcd.EtcdSnapshotter;
import dev.lifeboat.snapshotter.volume.VolumeSnapshotter;
import dev.lifeboat.testing.Closer;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import io.etcd.jetcd.Client;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An empty restore is never a pass: a resource snapshot with no namespaced object, a volume
 * snapshot with no file and an etcd snapshot with no key restore nothing, and each verification
 * says so (CHECKED_NOT_RESTORED), whatever its checks found.
 */
@LifeboatIntegrationTest
class EmptyRestoreIT {
  @TempDir
  Path dir;

  @RegisterExtension
  final Closer closer = new Closer();
  private final ExecutorService uploads = Executors.newFixedThreadPool(2);
  private SnapshotVerifier verifier;

  @BeforeEach
  void verifier() {
    closer.register(uploads::shutdownNow);
    verifier = scratchVerifier(dir.resolve("scratch"), closer);
  }

  @Test
  void aResourceSnapshotWithoutNamespacedObjectsIsNotAPass(TestStack stack) throws Exception {
    SourceCluster source = closer.register(new SourceCluster(stack)); // a new cluster: namespaces, nothing in them
    source.watch();
    source.awaitCaptured();
    SnapshotCompleted snapshot = source.snapshot();
    Manifest manifest = source.repository().manifests().read(snapshot.getManifestKey()).orElseThrow();
    assertThat(manifest.streams()).extracting(Manifest.Stream::name).containsOnly(ResourceDocument.CLUSTER_SCOPED);

    SnapshotVerifier.Result result = verifier.resources(source.restoreSource(), manifest, List.of(), Progress.NONE);

    assertThat(result.list()).extracting(VerificationCheck::getName).containsExactly("objects-read");
    assertThat(result.list()).allMatch(VerificationCheck::getPassed);
    assertThat(result.outcome()).isEqualTo(VerificationOutcome.CHECKED_NOT_RESTORED);
    assertThat(result.notRestored()).contains("no namespaced objects");
  }

  @Test
  void aVolumeSnapshotWithoutFilesIsNotAPass(TestStack stack) throws Exception {
    Repository repository = newRepository(stack, "empty");
    Path empty = Files.createDirectories(dir.resolve("empty-volume/only-a-directory"));
    Manifest manifest = new VolumeSnapshotter(repository, uploads, Clock.systemUTC())
        .snapshot(empty.getParent(), "test", "pvc-empty", "20260101T000000Z-v0", n -> { }).manifest();

    SnapshotVerifier.Result result = verifier.volume(restoreSource(repository), manifest, Progress.NONE);

    assertThat(result.list()).allMatch(VerificationCheck::getPassed);
    assertThat(result.outcome()).isEqualTo(VerificationOutcome.CHECKED_NOT_RESTORED);
    assertThat(result.notRestored()).contains("no files");
  }

  @Test
  void anEtcdSnapshotWithoutKeysIsNotAPass(TestStack stack) throws Exception {
    assertEtcdToolsInstalled();
    Repository repository = newRepository(stack, "empty");
    Manifest manifest;
    try (EmbeddedEtcd empty = EmbeddedEtcd.start(dir.resolve("empty-etcd"), 0);
        Client client = Client.builder().endpoints(empty.endpoints().toArray(String[]::new)).build()) {
      manifest = new EtcdSnapshotter(client, repository, uploads, Clock.systemUTC())
          .snapshot("test", "etcd", "20260101T000000Z-e0", n -> { }).manifest();
    }
    assertThat(manifest.details()).containsEntry("keys", "0");

    SnapshotVerifier.Result result = verifier.etcd(restoreSource(repository), manifest, Progress.NONE);

    assertThat(result.list()).extracting(VerificationCheck::getName)
        .containsExactly("etcd-sha256", "etcd-snapshot-status", "etcd-revision", "etcd-key-count");
    assertThat(result.list()).allMatch(VerificationCheck::getPassed);
    assertThat(result.outcome()).isEqualTo(VerificationOutcome.CHECKED_NOT_RESTORED);
    assertThat(result.notRestored()).contains("no keys");
  }
}
