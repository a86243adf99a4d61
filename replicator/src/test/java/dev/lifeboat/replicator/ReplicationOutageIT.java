package dev.lifeboat.replicator;

import dev.lifeboat.repository.testing.TestStores;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.config.ReplicationConfig;
import dev.lifeboat.embedded.EmbeddedS3;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotReplicated;
import dev.lifeboat.observe.Health;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.blob.RetryingBlobStore;
import dev.lifeboat.repository.blob.S3BlobStore;
import dev.lifeboat.retry.Retry;
import dev.lifeboat.retry.RetryPolicy;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.testing.TestStack;
import dev.lifeboat.testing.TopicEnd;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** An off-region store that goes away while snapshots keep coming, and comes back. */
@LifeboatIntegrationTest
class ReplicationOutageIT {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final RetryPolicy STORE_CALLS = new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(500), 2.0, 0.2,
      Duration.ofSeconds(2));
  private static final String BUCKET = "lifeboat-dr";

  @TempDir Path dir;

  private final TestStack stack;
  private final String prefix = "outage-" + UUID.randomUUID();
  private final String suffix = UUID.randomUUID().toString().substring(0, 8);
  @RegisterExtension
  final ReplicatorFixture workers;

  ReplicationOutageIT(TestStack stack) {
    this.stack = stack;
    this.workers = new ReplicatorFixture(stack);
  }

  @Test
  void aStoreThatIsDownPausesItsOwnCopiesOnlyAndCatchesUpWhenItReturnsWithNothingTwice() throws Exception {
    EmbeddedS3 drServer = EmbeddedS3.start("dr", dir.resolve("dr"), 0, "dr-key", "dr-secret", List.of(BUCKET));
    int port = Integer.parseInt(drServer.endpoint().replaceAll(".*:", ""));
    S3BlobStore drStore = new S3BlobStore(new StoreConfig("dr-" + suffix, drServer.endpoint(), BUCKET, prefix, "dr-key",
        "dr-secret", null));
    workers.closeAfter(drStore);
    TestRepository primary = new TestRepository(TestStores.primary(stack, prefix));
    workers.closeAfter(primary);
    BlobStore offsite = TestStores.offsite(stack, prefix);
    String topic = stack.newTopic("snapshots", 3);
    String dr = "dr-" + suffix;
    String near = "offsite-" + suffix;
    start(dr, topic, drStore);
    start(near, topic, offsite);

    List<SnapshotCompleted> snapshots = new ArrayList<>();
    snapshots.add(send(topic, primary.snapshot("etcd", 2 << 20, 0)));
    awaitReplicated(dr, snapshots);
    awaitReplicated(near, snapshots);

    drServer.close(); // the off-region store goes away
    try {
      for (int i = 1; i <= 4; i++) {
        snapshots.add(send(topic, primary.snapshot("etcd", 1 << 20, i)));
        Thread.sleep(300);
      }
      awaitReplicated(near, snapshots); // the other store goes on
      await("the lag of the store that is down rises").atMost(WAIT).until(() -> lag(dr) > 5);
      assertThat(workers.health.components().get("replication:" + dr).state()).isEqualTo(Health.State.DEGRADED);
      assertThat(replicatedTo(dr)).hasSize(1);
      assertThat(lag(near)).isZero();
    } finally {
      drServer = EmbeddedS3.start("dr", dir.resolve("dr"), port, "dr-key", "dr-secret", List.of(BUCKET));
      workers.closeAfter(drServer);
    }

    awaitReplicated(dr, snapshots);
    await("the lag falls").atMost(WAIT).until(() -> lag(dr) == 0);
    // every snapshot announced has been processed and committed: a duplicate, if any, is on the topic now
    TopicEnd.awaitConsumed(stack.kafka(), "it-replicator-" + dr, topic, WAIT);
    Map<String, List<SnapshotReplicated>> bySnapshot = replicatedTo(dr).stream()
        .collect(Collectors.groupingBy(SnapshotReplicated::getSnapshotId));
    assertThat(bySnapshot.keySet()).containsExactlyInAnyOrderElementsOf(snapshots.stream().map(SnapshotCompleted::getSnapshotId).toList());
    assertThat(bySnapshot.values()).as("each snapshot is replicated once").allSatisfy(l -> assertThat(l).hasSize(1));
    Map<String, Long> source = TestRepository.objects(primary.store());
    assertThat(TestRepository.objects(drStore)).isEqualTo(source);
    assertThat(replicatedTo(dr).stream().mapToLong(SnapshotReplicated::getObjectsCopied).sum())
        .as("every object was copied once").isEqualTo(source.size());
    for (SnapshotCompleted s : snapshots) {
      assertThat(TestRepository.restore(drStore, s)).isEqualTo(TestRepository.restore(primary.store(), s));
    }
    assertThat(workers.health.components().get("replication:" + dr).state()).isEqualTo(Health.State.UP);
  }

  private void start(String store, String topic, BlobStore target) {
    Retry retry = new Retry(STORE_CALLS, Clock.systemUTC(), d -> Thread.sleep(d.toMillis()));
    TargetReplication replication = new TargetReplication(store, ReplicationConfig.defaults(),
        new RetryingBlobStore(TestStores.primary(stack, prefix), retry), new RetryingBlobStore(target, retry), workers.events, workers.runtime.audit(),
        workers.meters, workers.health);
    workers.closeAfter(replication);
    workers.runtime.start(replication.worker(topic, ReplicatorIT.FAST));
  }

  private SnapshotCompleted send(String topic, SnapshotCompleted snapshot) {
    stack.send(topic, snapshot.getSnapshotId(), snapshot);
    return snapshot;
  }

  private double lag(String store) {
    return workers.meters.get("lifeboat.replication.lag").tag("store", store).gauge().value();
  }

  private void awaitReplicated(String store, List<SnapshotCompleted> snapshots) {
    List<String> ids = snapshots.stream().map(SnapshotCompleted::getSnapshotId).toList();
    List<SnapshotReplicated> found = stack.read(Topics.REPLICATIONS, SnapshotReplicated.class, WAIT,
        l -> l.stream().filter(r -> r.getStore().equals(store)).map(SnapshotReplicated::getSnapshotId).collect(Collectors.toSet())
            .containsAll(ids));
    assertThat(found.stream().filter(r -> r.getStore().equals(store)).map(SnapshotReplicated::getSnapshotId))
        .as("replicated to %s; health %s", store, workers.health.components()).containsAll(ids);
  }

  private List<SnapshotReplicated> replicatedTo(String store) {
    AvroDeserializer<Object> deserializer = new AvroDeserializer<>(stack.registry());
    return TopicEnd.readToEnd(stack.kafka(), Topics.REPLICATIONS).stream()
        .map(r -> deserializer.decode(r.topic(), r.partition(), r.offset(), r.value()))
        .filter(SnapshotReplicated.class::isInstance).map(SnapshotReplicated.class::cast)
        .filter(r -> r.getStore().equals(store)).toList();
  }
}
