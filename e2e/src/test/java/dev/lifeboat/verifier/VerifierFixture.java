package dev.lifeboat.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatConfig.ClusterConfig;
import dev.lifeboat.config.LifeboatConfig.KafkaConfig;
import dev.lifeboat.config.LifeboatConfig.KubernetesConfig;
import dev.lifeboat.config.LifeboatConfig.RegistryConfig;
import dev.lifeboat.config.LifeboatConfig.StatusConfig;
import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.config.LifeboatConfig.StoresConfig;
import dev.lifeboat.config.RepositoryConfig;
import dev.lifeboat.config.RetentionConfig;
import dev.lifeboat.snapshotter.SnapshotterConfig;
import dev.lifeboat.verifier.VerifierConfig;
import dev.lifeboat.watcher.WatcherConfig;
import dev.lifeboat.embedded.EmbeddedEtcd;
import dev.lifeboat.embedded.EmbeddedStack;
import dev.lifeboat.embedded.LocalKubernetes;
import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.Header;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.ChangeLogSegmentReplicated;
import dev.lifeboat.events.v1.SnapshotReplicated;
import dev.lifeboat.events.v1.SnapshotVerified;
import dev.lifeboat.events.v1.VerificationCheck;
import dev.lifeboat.observe.Health;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.BlobInfo;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.changelog.SegmentStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.testing.TestStores;
import dev.lifeboat.restore.RestoreEngine;
import dev.lifeboat.restore.RestoreSource;
import dev.lifeboat.restore.SourceCluster;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.runtime.ProcessContext;
import dev.lifeboat.runtime.WorkerRuntime;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.testing.Closer;
import dev.lifeboat.testing.TestStack;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * What the verifier's integration tests share: the verifier started as a plugin (as {@code lifeboat
 * run} starts it) over a source cluster's repository, a copy made as the replicator makes it, the
 * replication record that asks for a proof, and reading the answers back.
 */
final class VerifierFixture {
  static final Duration WAIT = Duration.ofSeconds(120);

  private VerifierFixture() {}

  /**
   * Starts the verifier; {@code closer} closes what it opens.
   *
   * @param protectedCluster the protected cluster, as the process's {@code kubernetes()} supplies it
   */
  static void startVerifier(TestStack stack, SourceCluster source, VerifierConfig settings, Health health,
      SimpleMeterRegistry meters, Supplier<KubernetesClient> protectedCluster, Closer closer) {
    EmbeddedStack s = stack.stack();
    StoreConfig primary = new StoreConfig("primary", s.primary().endpoint(), EmbeddedStack.PRIMARY_BUCKET, source.prefix,
        s.primary().accessKey(), s.primary().secretKey(), null);
    StoreConfig offsite = new StoreConfig("offsite", s.offsite().endpoint(), EmbeddedStack.OFFSITE_BUCKET, source.prefix,
        s.offsite().accessKey(), s.offsite().secretKey(), null);
    LifeboatConfig config = new LifeboatConfig(new ClusterConfig(source.cluster),
        new KafkaConfig(stack.kafka().bootstrapServers(), "it-", 1, KafkaClients.DEFAULT_COMPRESSION, Map.of()),
        new RegistryConfig(s.registryUrl()), new StoresConfig(primary, List.of(offsite)), new KubernetesConfig(null, null),
        Optional.empty(), new StatusConfig("127.0.0.1", 0), Optional.of(source.encryption()),
        new RepositoryConfig(source.masterKey), RetentionConfig.defaults())
        .with(VerifierConfig.SECTION, settings);
    EventFactory events = new EventFactory(source.cluster, "it", Clock.systemUTC());
    WorkerRuntime runtime = new WorkerRuntime(stack.kafka(), stack.registry(), events, meters, health,
        "it-verifier-" + source.cluster + "-");
    closer.register(runtime);
    closer.register(new VerifierPlugin().start(new ProcessContext(config, runtime, events, meters, health,
        protectedCluster)));
  }

  /**
   * Settings that verify every snapshot (every volume, ten namespaces of each resource snapshot) by restoring it
   * into the scratch cluster of {@code kubeconfig} and under {@code scratchDir}.
   */
  static VerifierConfig verifyAllInScratchCluster(Path kubeconfig, Path scratchDir) {
    return new VerifierConfig(true, 1.0, 10, Duration.ofDays(1), LocalKubernetes.CONTEXT, kubeconfig.toString(), "",
        "lifeboat-verify", scratchDir, 8);
  }

  /**
   * A verifier whose scratch targets are a local Kubernetes API of its own and the directory {@code scratchDir}
   * (created by the verifier); nothing it verifies may read the protected cluster. {@code closer} stops the API.
   */
  static SnapshotVerifier scratchVerifier(Path scratchDir, Closer closer) {
    LocalKubernetes scratch = closer.register(LocalKubernetes.start(0));
    return new SnapshotVerifier(new ScratchTargets(scratch::client, true, "scratch cluster", "lifeboat-verify", scratchDir),
        VerifierConfig.defaults().withScratchDir(scratchDir), () -> {
          throw new AssertionError("nothing here lives in the protected cluster");
        });
  }

  /** A new repository in the primary store, under a prefix of its own that begins with {@code name}. */
  static Repository newRepository(TestStack stack, String name) {
    return Repository.openOrCreate(TestStores.primary(stack, name + "-" + UUID.randomUUID()), new byte[32],
        ChunkerParams.DEFAULT, new SimpleMeterRegistry());
  }

  /** What a restore reads from {@code repository}: its snapshots and its change log. */
  static RestoreSource restoreSource(Repository repository) {
    return RestoreSource.of(repository, SegmentStore.open(repository, new byte[32]), null);
  }

  /** Fails the test, never skips it, where etcd or etcdctl is missing: an etcd verification needs both. */
  static void assertEtcdToolsInstalled() {
    assertThat(EmbeddedEtcd.isInstalled() && RestoreEngine.etcdToolsInstalled())
        .as("etcd and etcdctl are installed (apt-get install etcd-server etcd-client; .ci/run does)").isTrue();
  }

  /** Copies a repository as the replicator does: every object the target lacks, manifests last. */
  static void copy(BlobStore from, BlobStore to) {
    List<BlobInfo> objects = new ArrayList<>();
    from.list("", objects::add);
    List<BlobInfo> ordered = new ArrayList<>(objects.stream().filter(o -> !o.key().startsWith("manifests/")).toList());
    ordered.addAll(objects.stream().filter(o -> o.key().startsWith("manifests/")).toList());
    for (BlobInfo object : ordered) {
      if (to.stat(object.key()).isEmpty()) {
        to.putIfAbsent(object.key(), from.get(object.key()).orElseThrow());
      }
    }
  }

  /** What the replicator publishes once it copied a snapshot to the store {@code offsite}. */
  static void replicated(TestStack stack, SourceCluster source, String snapshotId, SnapshotKind kind, String target,
      String manifestKey, Instant completedAt) {
    stack.send(Topics.REPLICATIONS, snapshotId + "/offsite", SnapshotReplicated.newBuilder()
        .setHeader(Header.newBuilder().setEventId(UUID.randomUUID().toString()).setTime(Instant.now())
            .setCluster(source.cluster).setSource("replicator").setCorrelationId(snapshotId).build())
        .setSnapshotId(snapshotId).setKind(kind).setTarget(target).setStore("offsite").setManifestKey(manifestKey)
        .setBytesCopied(1).setObjectsCopied(1).setObjectsSkipped(0).setSnapshotCompletedAt(completedAt)
        .setLagMillis(1).setDurationMillis(1).build());
  }

  /** What the replicator publishes once it copied a change-log segment to the store {@code offsite}. */
  static void segmentReplicated(TestStack stack, SourceCluster source, String segmentKey, int partition, long firstOffset,
      long lastOffset) {
    stack.send(Topics.REPLICATIONS, segmentKey + "/offsite", ChangeLogSegmentReplicated.newBuilder()
        .setHeader(Header.newBuilder().setEventId(UUID.randomUUID().toString()).setTime(Instant.now())
            .setCluster(source.cluster).setSource("replicator").setCorrelationId(segmentKey).build())
        .setCluster(source.cluster).setPartition(partition).setFirstOffset(firstOffset).setLastOffset(lastOffset)
        .setLastChangeTime(Instant.now()).setRecordCount(lastOffset - firstOffset + 1).setSegmentKey(segmentKey)
        .setSegmentSha256("").setStore("offsite").setBytesCopied(1).setObjectsCopied(1).setObjectsSkipped(0)
        .setArchivedAt(Instant.now()).setLagMillis(1).setDurationMillis(1).build());
  }

  static SnapshotVerified awaitVerification(TestStack stack, String snapshotId) {
    return stack.read(Topics.VERIFICATIONS, SnapshotVerified.class, WAIT,
            l -> l.stream().anyMatch(v -> v.getSnapshotId().equals(snapshotId)))
        .stream().filter(v -> v.getSnapshotId().equals(snapshotId)).findFirst()
        .orElseThrow(() -> new AssertionError("no verification of " + snapshotId));
  }

  static Optional<AuditEvent> auditOf(TestStack stack, String snapshotId, String action) {
    return stack.read(Topics.AUDIT, AuditEvent.class, Duration.ofSeconds(30),
            l -> l.stream().anyMatch(e -> e.getSubject().equals(snapshotId) && e.getAction().equals(action)))
        .stream().filter(e -> e.getSubject().equals(snapshotId) && e.getAction().equals(action)).findFirst();
  }

  static VerificationCheck check(SnapshotVerified v, String name) {
    return v.getChecks().stream().filter(c -> c.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no check " + name + " in " + v.getChecks()));
  }
}
