package dev.lifeboat.cli.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.config.KafkaSecurityConfig;
import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.embedded.EmbeddedS3;
import dev.lifeboat.embedded.EmbeddedStack;
import dev.lifeboat.events.v1.ChangeLogSegmentArchived;
import dev.lifeboat.events.v1.ChangeLogSegmentReplicated;
import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.events.v1.SnapshotReplicated;
import dev.lifeboat.repository.ChunkStore.ChunkRef;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.ManifestStore;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.blob.S3BlobStore;
import dev.lifeboat.repository.changelog.SegmentFormat;
import dev.lifeboat.repository.changelog.SegmentStore;
import dev.lifeboat.repository.check.CheckProgress;
import dev.lifeboat.runtime.DeadLetterPublisher;
import dev.lifeboat.schemas.serde.AvroSerializer;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.ResourceChanges;
import dev.lifeboat.testing.TestStack;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import dev.lifeboat.config.LifeboatConfig.KubernetesConfig;
import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.events.v1.SnapshotVerified;
import dev.lifeboat.events.v1.VerificationOutcome;
import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.verifier.ScratchSpace;
import dev.lifeboat.verifier.VerifierConfig;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lifeboat check --pipeline} against the real broker and S3 servers: what the topics report
 * against what the stores hold, for a cluster of its own.
 */
@LifeboatIntegrationTest
class PipelineCheckIT {
  private static final byte[] KEY = new byte[32];

  private final TestStack stack;
  private final String cluster = "pipeline-" + UUID.randomUUID().toString().substring(0, 8);
  private final EventFactory events;
  private final StoreConfig primaryStore;
  private final StoreConfig offsiteStore;
  private final BlobStore primary;
  private final BlobStore offsite;

  PipelineCheckIT(TestStack stack) {
    this.stack = stack;
    this.events = new EventFactory(cluster, "test", Clock.systemUTC());
    this.primaryStore = store("primary", stack.stack().primary(), EmbeddedStack.PRIMARY_BUCKET);
    this.offsiteStore = store("offsite", stack.stack().offsite(), EmbeddedStack.OFFSITE_BUCKET);
    this.primary = new S3BlobStore(primaryStore);
    this.offsite = new S3BlobStore(offsiteStore);
  }

  @Test
  void eachBrokenPromiseIsNamedAndWhatWasKeptIsNot() throws Exception {
    Repository repository = Repository.openOrCreate(primary, KEY, dev.lifeboat.repository.chunk.ChunkerParams.DEFAULT,
        new SimpleMeterRegistry());
    String kept = manifest(repository, "20260101T000000Z-aaaaaa");
    String lost = ManifestStore.key(SnapshotKind.ETCD, "etcd", "20260101T010000Z-bbbbbb");
    copy("config", "config");
    copy(kept, kept);
    completed(kept);
    completed(lost);
    replicated(kept);
    replicated(lost);

    // five changes of this cluster on partition 0, one of them dead-lettered, and one of another cluster
    List<Long> offsets = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      offsets.add(change(ResourceChanges.in(cluster).namespace("shop").configMap("c" + i).added()));
    }
    change(ResourceChanges.in("elsewhere").namespace("shop").configMap("x").added());
    deadLetter(offsets.get(2));
    // the primary's segment holds all but the last; the off-region copy is reported up to the fourth
    SegmentFormat.Builder builder = new SegmentFormat.Builder(cluster, Topics.RESOURCE_CHANGES, 0);
    for (int i : new int[] {0, 1, 3}) {
      builder.add(offsets.get(i), Instant.now(), cluster + "/shop//ConfigMap/c" + i,
          ResourceChanges.in(cluster).namespace("shop").configMap("c" + i).added());
    }
    SegmentStore.Written segment = SegmentStore.open(repository, KEY).write(cluster, 0, offsets.get(0), offsets.get(4),
        builder.finish(offsets.get(0), offsets.get(4)));
    copy(segment.key(), segment.key());
    archived(segment.key(), offsets.get(0), offsets.get(4));
    segmentReplicated(segment.key(), offsets.get(0), offsets.get(3));

    PipelineReport report = new PipelineCheck(connection(), null, CheckProgress.NONE).run();

    assertThat(report.problems()).extracting(Object::toString).containsExactlyInAnyOrder(
        "store primary: the manifest " + lost + " of a completed snapshot is missing",
        "store offsite: the manifest " + lost + " reported as copied is missing",
        "store primary: 1 of the 4 changes of partition 0 up to offset " + offsets.get(4)
            + " are in no change-log segment (the first at offset " + offsets.get(4) + ")");
    assertThat(report.count("snapshots completed")).isEqualTo(2);
    assertThat(report.count("changes archived")).isEqualTo(4);
    assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains("store offsite: the change log of partition 0 is copied up to offset "
        + offsets.get(3) + " of " + offsets.get(4)));
    assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains(Topics.DLQ + " holds"));
  }

  /**
   * Four scratch namespaces and three scratch directories: one of each left by a verification that
   * ended, one made before the verifier's last start (its sweep should have removed it), one of a
   * verification under way; and a namespace carrying the label without the prefix, never ours.
   */
  @Test
  void scratchLeftByAnEndedVerificationOrAStoppedVerifierIsNamedAndScratchInUseIsNot(@TempDir Path scratchDir)
      throws Exception {
    Repository.openOrCreate(primary, KEY, dev.lifeboat.repository.chunk.ChunkerParams.DEFAULT, new SimpleMeterRegistry());
    copy("config", "config"); // stores that hold a repository: only the scratch space can have problems here
    String prefix = "pc" + UUID.randomUUID().toString().substring(0, 6);
    KubernetesClient kube = stack.stack().kubernetes().orElseThrow().client();
    Namespace endedNs = scratchNamespace(kube, prefix + "-aaaa0001-shop", "aaaa0001");
    Namespace oldNs = scratchNamespace(kube, prefix + "-bbbb0002-shop", "bbbb0002");
    scratchNamespace(kube, "not" + prefix + "-dddd0004-shop", "dddd0004");
    Path endedDir = Files.createDirectory(scratchDir.resolve("aaaa0001"));
    Path oldDir = Files.createDirectory(scratchDir.resolve("bbbb0002"));
    Instant created = Instant.parse(oldNs.getMetadata().getCreationTimestamp());
    Files.setLastModifiedTime(oldDir, FileTime.from(created));
    // the verifier started 1.5 s into the second after: the namespaces above were made before it
    Instant verifierStarted = created.plusMillis(1500);
    while (Instant.now().isBefore(created.plusSeconds(1))) {
      Thread.sleep(50); // the namespace under way is made in a later second than the old one
    }
    Namespace underWay = scratchNamespace(kube, prefix + "-cccc0003-shop", "cccc0003");
    Path underWayDir = Files.createDirectory(scratchDir.resolve("cccc0003"));
    Files.setLastModifiedTime(underWayDir, FileTime.from(verifierStarted.plusSeconds(1)));
    verified("namespaces " + endedNs.getMetadata().getName() + ",other on the protected cluster");
    verified("scratch etcd in " + endedDir);
    EventFactory startedAt = new EventFactory(cluster, "verifier", Clock.fixed(verifierStarted, ZoneOffset.UTC));
    stack.send(Topics.AUDIT, "verifier", AuditEvent.newBuilder().setHeader(startedAt.header("verifier")).setActor("verifier")
        .setAction(AuditActions.COMPONENT + AuditActions.START).setSubject("verifier").setOutcome(AuditOutcome.INFO).build());
    ScratchSpace scratch = ScratchSpace.of(new KubernetesConfig(stack.stack().endpoints().kubeconfig(), null),
        VerifierConfig.defaults().withNamespacePrefix(prefix).withScratchDir(scratchDir));

    PipelineReport report = new PipelineCheck(connection(), scratch, CheckProgress.NONE).run();

    assertThat(report.problems()).extracting(p -> p.object()).containsExactlyInAnyOrder(
        "scratch namespace " + endedNs.getMetadata().getName(), "scratch namespace " + oldNs.getMetadata().getName(),
        "scratch directory " + endedDir, "scratch directory " + oldDir);
    assertThat(report.problems()).anySatisfy(p -> assertThat(p.toString()).contains(endedNs.getMetadata().getName())
        .contains("verification aaaa0001 ended"));
    assertThat(report.problems()).anySatisfy(p -> assertThat(p.toString()).contains(oldNs.getMetadata().getName())
        .contains("the sweep when the verifier started again"));
    assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains(underWay.getMetadata().getName())
        .contains("under way"));
    assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains(underWayDir.toString()).contains("under way"));
    assertThat(report.count("scratch namespaces")).isEqualTo(3);
    assertThat(report.count("scratch directories")).isEqualTo(3);
  }

  private static Namespace scratchNamespace(KubernetesClient kube, String name, String verification) {
    return kube.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
        .addToLabels("lifeboat.dev/verification", verification).endMetadata().build()).create();
  }

  private void verified(String scratchTarget) {
    String id = "20260101T000000Z-" + UUID.randomUUID().toString().substring(0, 6);
    stack.send(Topics.VERIFICATIONS, id, SnapshotVerified.newBuilder().setHeader(events.header(id)).setSnapshotId(id)
        .setKind(SnapshotKind.RESOURCES).setTarget("cluster").setPassed(true).setStore("offsite").setScratchTarget(scratchTarget)
        .setChecks(List.of()).setSnapshotCompletedAt(Instant.now()).setDurationMillis(1).setOutcome(VerificationOutcome.PASSED)
        .build());
  }

  private Connection connection() {
    return new Connection(cluster, stack.kafka().bootstrapServers(), Map.of(), KafkaSecurityConfig.PLAINTEXT,
        new dev.lifeboat.config.LifeboatConfig.RegistryConfig(stack.stack().endpoints().schemaRegistryUrl()),
        List.of(primaryStore, offsiteStore), KEY);
  }

  private static StoreConfig store(String name, EmbeddedS3 s3, String bucket) {
    return new StoreConfig(name, s3.endpoint(), bucket, "pipeline-" + UUID.randomUUID(), s3.accessKey(), s3.secretKey(), null);
  }

  private String manifest(Repository repository, String id) {
    ChunkRef chunk = repository.chunks().put("etcd database".getBytes(StandardCharsets.UTF_8)).ref();
    return repository.manifests().write(new Manifest(Manifest.FORMAT, id, SnapshotKind.ETCD, "etcd", cluster, Instant.now(), null,
        SnapshotPhase.COMPLETED, List.of(new Manifest.Stream("etcd.db", 13, "", List.of(chunk))), null, null)).key();
  }

  private void copy(String from, String to) {
    offsite.putIfAbsent(to, primary.get(from).orElseThrow());
  }

  private void completed(String manifestKey) {
    String id = manifestKey.substring(manifestKey.lastIndexOf('/') + 1);
    stack.send(Topics.SNAPSHOTS, id, SnapshotCompleted.newBuilder().setHeader(events.header(id)).setSnapshotId(id)
        .setKind(SnapshotKind.ETCD).setTarget("etcd").setPhase(SnapshotPhase.COMPLETED).setRepository("primary")
        .setManifestKey(manifestKey).setManifestSha256("0").setTotalBytes(13).setNewBytes(13).setChunkCount(1)
        .setNewChunkCount(1).setItemCount(1).setStartedAt(Instant.now()).setDurationMillis(1).build());
  }

  private void replicated(String manifestKey) {
    String id = manifestKey.substring(manifestKey.lastIndexOf('/') + 1);
    stack.send(Topics.REPLICATIONS, id + "/offsite", SnapshotReplicated.newBuilder().setHeader(events.header(id)).setSnapshotId(id)
        .setKind(SnapshotKind.ETCD).setTarget("etcd").setStore("offsite").setManifestKey(manifestKey).setBytesCopied(13)
        .setObjectsCopied(2).setObjectsSkipped(0).setSnapshotCompletedAt(Instant.now()).setLagMillis(1).setDurationMillis(1).build());
  }

  private void archived(String segmentKey, long first, long last) {
    stack.send(Topics.SNAPSHOTS, segmentKey, ChangeLogSegmentArchived.newBuilder().setHeader(events.header(segmentKey))
        .setCluster(cluster).setPartition(0).setFirstOffset(first).setLastOffset(last).setFirstChangeTime(Instant.now())
        .setLastChangeTime(Instant.now()).setRecordCount(3).setSegmentKey(segmentKey).setSegmentSha256("0").setSize(1).setRepository("primary").build());
  }

  private void segmentReplicated(String segmentKey, long first, long last) {
    stack.send(Topics.REPLICATIONS, segmentKey + "/offsite", ChangeLogSegmentReplicated.newBuilder()
        .setHeader(events.header(segmentKey)).setCluster(cluster).setPartition(0).setFirstOffset(first).setLastOffset(last)
        .setLastChangeTime(Instant.now()).setRecordCount(3).setSegmentKey(segmentKey).setSegmentSha256("0").setStore("offsite")
        .setBytesCopied(1).setObjectsCopied(1).setObjectsSkipped(0).setArchivedAt(Instant.now()).setLagMillis(1).setDurationMillis(1).build());
  }

  /** Sends a change to partition 0 of the change topic; its offset. */
  private long change(ResourceChanged change) throws Exception {
    String key = change.getHeader().getCluster() + "/" + change.getNamespace() + "//" + change.getKind() + "/" + change.getName();
    try (KafkaProducer<byte[], byte[]> producer = stack.kafka().producer("pipeline-it")) {
      return producer.send(new ProducerRecord<>(Topics.RESOURCE_CHANGES, 0, key.getBytes(StandardCharsets.UTF_8),
          new AvroSerializer<>(stack.registry()).serialize(Topics.RESOURCE_CHANGES, change))).get().offset();
    }
  }

  private void deadLetter(long offset) throws Exception {
    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(Topics.DLQ, null, "k".getBytes(StandardCharsets.UTF_8),
        new byte[] {1});
    record.headers().add(DeadLetterPublisher.HEADER_TOPIC, Topics.RESOURCE_CHANGES.getBytes(StandardCharsets.UTF_8))
        .add(DeadLetterPublisher.HEADER_PARTITION, "0".getBytes(StandardCharsets.UTF_8))
        .add(DeadLetterPublisher.HEADER_OFFSET, Long.toString(offset).getBytes(StandardCharsets.UTF_8));
    try (KafkaProducer<byte[], byte[]> producer = stack.kafka().producer("pipeline-it")) {
      producer.send(record).get();
    }
  }
}
