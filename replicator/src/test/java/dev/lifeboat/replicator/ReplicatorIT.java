package dev.lifeboat.replicator;

import dev.lifeboat.repository.testing.TestStores;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.config.ReplicationConfig;
import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.ReplicationFailed;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotReplicated;
import dev.lifeboat.observe.Health;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.blob.RetryingBlobStore;
import dev.lifeboat.repository.pack.Pack;
import dev.lifeboat.retry.Retry;
import dev.lifeboat.retry.RetryPolicy;
import dev.lifeboat.runtime.DeadLetterPublisher;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The replicator against the real stack: Kafka, the registry, and the primary and off-region S3 servers. */
@LifeboatIntegrationTest
class ReplicatorIT {
  static final Duration WAIT = Duration.ofSeconds(60);
  static final RetryPolicy FAST = new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(2), 2.0, 0.2, Duration.ofMinutes(5));

  private final TestStack stack;
  private final String prefix = "repl-" + UUID.randomUUID();
  private final String store = "offsite-" + UUID.randomUUID().toString().substring(0, 8);
  @RegisterExtension
  final ReplicatorFixture workers;

  ReplicatorIT(TestStack stack) {
    this.stack = stack;
    this.workers = new ReplicatorFixture(stack);
  }

  @Test
  void aSnapshotAppearsInTheOffRegionStoreByteIdenticalWithItsManifestLast() throws Exception {
    TestRepository primary = repository();
    RecordingBlobStore offsite = new RecordingBlobStore(TestStores.offsite(stack, prefix));
    String topic = stack.newTopic("snapshots", 3);
    start(topic, offsite);

    SnapshotCompleted first = primary.snapshot("etcd", 6 << 20, 1);
    stack.send(topic, first.getSnapshotId(), first);

    SnapshotReplicated replicated = replicated(first);
    Map<String, Long> source = TestRepository.objects(primary.store());
    assertThat(TestRepository.objects(offsite)).isEqualTo(source);
    for (String key : source.keySet()) {
      assertThat(offsite.get(key)).as(key).contains(primary.store().get(key).orElseThrow());
    }
    assertThat(offsite.written()).as("the manifest is written last").last().isEqualTo(first.getManifestKey());
    assertThat(offsite.written()).containsExactlyInAnyOrderElementsOf(source.keySet());
    assertThat(replicated.getStore()).isEqualTo(store);
    assertThat(replicated.getObjectsCopied()).isEqualTo(source.size());
    assertThat(replicated.getObjectsSkipped()).isZero();
    assertThat(replicated.getBytesCopied()).isEqualTo(source.values().stream().mapToLong(Long::longValue).sum());
    assertThat(replicated.getLagMillis()).isGreaterThanOrEqualTo(0);
    assertThat(TestRepository.restore(offsite, first)).as("the copy restores with the master key")
        .isEqualTo(TestRepository.restore(primary.store(), first));

    // a second snapshot of mostly the same data: only the new packs, index file and manifest travel
    byte[] data = new byte[6 << 20];
    new java.util.Random(1).nextBytes(data);
    data[100] ^= 1;
    SnapshotCompleted second = primary.snapshot("etcd", data);
    stack.send(topic, second.getSnapshotId(), second);

    SnapshotReplicated again = replicated(second);
    assertThat(TestRepository.objects(offsite)).isEqualTo(TestRepository.objects(primary.store()));
    int before = source.size();
    assertThat(again.getObjectsCopied()).isEqualTo(TestRepository.objects(primary.store()).size() - before);
    assertThat(again.getObjectsSkipped()).as("config, packs and index files already there").isEqualTo(before - 1);
    assertThat(offsite.written()).last().isEqualTo(second.getManifestKey());
    assertThat(TestRepository.restore(offsite, second)).isEqualTo(data);
    assertThat(auditOf(second, "replication.completed")).isNotEmpty();
    assertThat(workers.meters.counter("lifeboat.replication.objects", "store", store, "outcome", "copied").count())
        .isEqualTo(TestRepository.objects(primary.store()).size());
    assertThat(workers.health.components().get("replication:" + store).state()).isEqualTo(Health.State.UP);
  }

  @Test
  void aBitFlippedInAPrimaryPackIsNotCopiedAndReplicationFailedNamesThePackAndTheSnapshot() throws Exception {
    TestRepository primary = repository();
    BlobStore offsite = TestStores.offsite(stack, prefix);
    String topic = stack.newTopic("snapshots", 1);
    SnapshotCompleted snapshot = primary.snapshot("etcd", 4 << 20, 2);
    List<String> packs = new ArrayList<>();
    primary.store().list(Pack.PREFIX, info -> packs.add(info.key()));
    String damaged = packs.get(packs.size() / 2);
    byte[] bytes = primary.store().get(damaged).orElseThrow();
    bytes[bytes.length / 3] ^= 0x10;
    primary.store().delete(damaged);
    primary.store().putIfAbsent(damaged, bytes);
    start(topic, offsite);

    stack.send(topic, snapshot.getSnapshotId(), snapshot);

    ReplicationFailed failed = failed(snapshot);
    assertThat(failed.getObjectKey()).isEqualTo(damaged);
    assertThat(failed.getRetriable()).isFalse();
    assertThat(failed.getReason()).contains(damaged).contains("damaged").contains("SHA-256");
    assertThat(offsite.stat(damaged)).as("the damaged pack is not copied").isEmpty();
    assertThat(offsite.stat(snapshot.getManifestKey())).as("nor the manifest of a snapshot that may need it").isEmpty();
    for (String pack : packs) {
      if (!pack.equals(damaged)) {
        assertThat(offsite.get(pack)).as(pack).contains(primary.store().get(pack).orElseThrow());
      }
    }
    assertThat(auditOf(snapshot, "replication.failed")).singleElement().satisfies(e -> {
      assertThat(e.getDetails()).containsEntry("snapshotId", snapshot.getSnapshotId()).containsEntry("objectKey", damaged);
      assertThat(e.getReason()).contains(damaged);
    });
    assertThat(workers.health.components().get("replication:" + store).state()).isEqualTo(Health.State.DEGRADED);
  }

  @Test
  void aCopyDamagedOnTheWayIsRefusedByTheStoresChecksumAndSentAgain() throws Exception {
    TestRepository primary = repository();
    CorruptingBlobStore offsite = new CorruptingBlobStore(TestStores.offsite(stack, prefix), Pack.PREFIX);
    String topic = stack.newTopic("snapshots", 1);
    start(topic, offsite);
    SnapshotCompleted snapshot = primary.snapshot("etcd", 3 << 20, 4);

    stack.send(topic, snapshot.getSnapshotId(), snapshot);

    SnapshotReplicated replicated = replicated(snapshot);
    Map<String, Long> source = TestRepository.objects(primary.store());
    assertThat(offsite.corrupted()).as("every pack's first upload was damaged on the way")
        .containsExactlyInAnyOrderElementsOf(source.keySet().stream().filter(k -> k.startsWith(Pack.PREFIX)).toList());
    for (String key : source.keySet()) {
      assertThat(offsite.get(key)).as(key).contains(primary.store().get(key).orElseThrow());
    }
    assertThat(replicated.getObjectsCopied()).as("each damaged upload was refused and sent again").isEqualTo(source.size());
    assertThat(TestRepository.restore(offsite, snapshot)).isEqualTo(TestRepository.restore(primary.store(), snapshot));
  }

  @Test
  void aMissingManifestOrABadRecordIsReportedAndTheReplicatorGoesOn() throws Exception {
    TestRepository primary = repository();
    BlobStore offsite = TestStores.offsite(stack, prefix);
    String topic = stack.newTopic("snapshots", 1);
    start(topic, offsite);
    SnapshotCompleted real = primary.snapshot("etcd", 1 << 20, 3);
    SnapshotCompleted ghost = SnapshotCompleted.newBuilder(real).setSnapshotId("20200101T000000Z-ghost")
        .setManifestKey("manifests/etcd/etcd/20200101T000000Z-ghost").build();

    stack.send(topic, ghost.getSnapshotId(), ghost);
    stack.sendRaw(topic, "garbage", "not a snapshot".getBytes(StandardCharsets.UTF_8));
    stack.send(topic, real.getSnapshotId(), real);

    ReplicationFailed failed = failed(ghost);
    assertThat(failed.getObjectKey()).isEqualTo(ghost.getManifestKey());
    assertThat(failed.getReason()).contains("is not in").contains("retention");
    assertThat(failed.getRetriable()).isFalse();
    replicated(real);
    List<ConsumerRecord<byte[], byte[]>> dead = stack.readRaw(Topics.DLQ, WAIT, l -> l.stream().anyMatch(r -> from(r, topic)));
    assertThat(dead.stream().filter(r -> from(r, topic))).singleElement()
        .satisfies(r -> assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo("not a snapshot"));
  }

  private TestRepository repository() {
    TestRepository repository = new TestRepository(TestStores.primary(stack, prefix));
    workers.closeAfter(repository);
    return repository;
  }

  private void start(String topic, BlobStore offsite) {
    TargetReplication target = new TargetReplication(store, ReplicationConfig.defaults(), retrying(TestStores.primary(stack, prefix)),
        retrying(offsite), workers.events, workers.runtime.audit(), workers.meters, workers.health);
    workers.closeAfter(target);
    workers.runtime.start(target.worker(topic, FAST));
  }

  static BlobStore retrying(BlobStore store) {
    return new RetryingBlobStore(store, new Retry(ReplicatorPlugin.STORE_CALLS, Clock.systemUTC(), d -> Thread.sleep(d.toMillis())));
  }

  private SnapshotReplicated replicated(SnapshotCompleted snapshot) {
    List<SnapshotReplicated> found = stack.read(Topics.REPLICATIONS, SnapshotReplicated.class, WAIT,
        l -> l.stream().anyMatch(r -> mine(r.getSnapshotId(), r.getStore(), snapshot)));
    return found.stream().filter(r -> mine(r.getSnapshotId(), r.getStore(), snapshot)).findFirst()
        .orElseThrow(() -> new AssertionError("no SnapshotReplicated for " + snapshot.getSnapshotId() + " to " + store
            + " within " + WAIT + "; health: " + workers.health.components()));
  }

  private ReplicationFailed failed(SnapshotCompleted snapshot) {
    List<ReplicationFailed> found = stack.read(Topics.REPLICATIONS, ReplicationFailed.class, WAIT,
        l -> l.stream().anyMatch(r -> mine(r.getSnapshotId(), r.getStore(), snapshot)));
    return found.stream().filter(r -> mine(r.getSnapshotId(), r.getStore(), snapshot)).findFirst()
        .orElseThrow(() -> new AssertionError("no ReplicationFailed for " + snapshot.getSnapshotId()));
  }

  private boolean mine(String snapshotId, String toStore, SnapshotCompleted snapshot) {
    return snapshotId.equals(snapshot.getSnapshotId()) && toStore.equals(store);
  }

  private List<AuditEvent> auditOf(SnapshotCompleted snapshot, String action) {
    return stack.read(Topics.AUDIT, AuditEvent.class, WAIT, l -> l.stream().anyMatch(e -> isOf(e, snapshot, action)))
        .stream().filter(e -> isOf(e, snapshot, action)).toList();
  }

  private boolean isOf(AuditEvent e, SnapshotCompleted snapshot, String action) {
    return e.getAction().equals(action) && snapshot.getSnapshotId().equals(e.getDetails().get("snapshotId"))
        && store.equals(e.getDetails().get("store"));
  }

  private static boolean from(ConsumerRecord<byte[], byte[]> record, String topic) {
    var header = record.headers().lastHeader(DeadLetterPublisher.HEADER_TOPIC);
    return header != null && topic.equals(new String(header.value(), StandardCharsets.UTF_8));
  }
}
