package dev.lifeboat.verifier;

import dev.lifeboat.repository.testing.TestStores;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.verifier.VerifierConfig;
import dev.lifeboat.embedded.EmbeddedEtcd;
import dev.lifeboat.embedded.LocalKubernetes;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.VerificationCheck;
import dev.lifeboat.events.v1.VerificationOutcome;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.changelog.SegmentStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.resources.ResourceDocument;
import dev.lifeboat.restore.Progress;
import dev.lifeboat.restore.RestoreEngine;
import dev.lifeboat.restore.RestoreSource;
import dev.lifeboat.restore.SourceCluster;
import dev.lifeboat.snapshotter.etcd.EtcdSnapshotter;
import dev.lifeboat.snapshotter.volume.VolumeSnapshotter;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import io.etcd.jetcd.Client;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
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

  private final List<AutoCloseable> closing = new ArrayList<>();
  private final ExecutorService uploads = Executors.newFixedThreadPool(2);
  private SnapshotVerifier verifier;

  @BeforeEach
  void verifier() {
    LocalKubernetes scratch = LocalKubernetes.start(0);
    closing.add(scratch);
    verifier = new SnapshotVerifier(new ScratchTargets(scratch::client, true, "scratch cluster", "lifeboat-verify",
        dir.resolve("scratch")), VerifierConfig.defaults().withScratchDir(dir.resolve("scratch")), () -> {
          throw new AssertionError("nothing here lives in the protected cluster");
        });
  }

  @AfterEach
  void close() throws Exception {
    uploads.shutdownNow();
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  @Test
  void aResourceSnapshotWithoutNamespacedObjectsIsNotAPass(TestStack stack) throws Exception {
    SourceCluster source = new SourceCluster(stack); // a new cluster: namespaces, nothing in them
    closing.add(source);
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
    Repository repository = repository(stack);
    Path empty = Files.createDirectories(dir.resolve("empty-volume/only-a-directory"));
    Manifest manifest = new VolumeSnapshotter(repository, uploads, Clock.systemUTC())
        .snapshot(empty.getParent(), "test", "pvc-empty", "20260101T000000Z-v0", n -> { }).manifest();

    SnapshotVerifier.Result result = verifier.volume(source(repository), manifest, Progress.NONE);

    assertThat(result.list()).allMatch(VerificationCheck::getPassed);
    assertThat(result.outcome()).isEqualTo(VerificationOutcome.CHECKED_NOT_RESTORED);
    assertThat(result.notRestored()).contains("no files");
  }

  @Test
  void anEtcdSnapshotWithoutKeysIsNotAPass(TestStack stack) throws Exception {
    assertThat(EmbeddedEtcd.isInstalled() && RestoreEngine.etcdToolsInstalled())
        .as("etcd and etcdctl are installed (apt-get install etcd-server etcd-client; .ci/run does)").isTrue();
    Repository repository = repository(stack);
    Manifest manifest;
    try (EmbeddedEtcd empty = EmbeddedEtcd.start(dir.resolve("empty-etcd"), 0);
        Client client = Client.builder().endpoints(empty.endpoints().toArray(String[]::new)).build()) {
      manifest = new EtcdSnapshotter(client, repository, uploads, Clock.systemUTC())
          .snapshot("test", "etcd", "20260101T000000Z-e0", n -> { }).manifest();
    }
    assertThat(manifest.details()).containsEntry("keys", "0");

    SnapshotVerifier.Result result = verifier.etcd(source(repository), manifest, Progress.NONE);

    assertThat(result.list()).extracting(VerificationCheck::getName)
        .containsExactly("etcd-sha256", "etcd-snapshot-status", "etcd-revision", "etcd-key-count");
    assertThat(result.list()).allMatch(VerificationCheck::getPassed);
    assertThat(result.outcome()).isEqualTo(VerificationOutcome.CHECKED_NOT_RESTORED);
    assertThat(result.notRestored()).contains("no keys");
  }

  private static Repository repository(TestStack stack) {
    return Repository.openOrCreate(TestStores.primary(stack, "empty-" + UUID.randomUUID()), new byte[32], ChunkerParams.DEFAULT,
        new SimpleMeterRegistry());
  }

  private static RestoreSource source(Repository repository) {
    return RestoreSource.of(repository, SegmentStore.open(repository, new byte[32]), null);
  }
}
