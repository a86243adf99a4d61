package dev.lifeboat.replicator;

import dev.lifeboat.repository.testing.TestStores;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.config.ReplicationConfig;
import dev.lifeboat.embedded.EmbeddedS3;
import dev.lifeboat.embedded.EmbeddedStack;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotReplicated;
import dev.lifeboat.observe.Health;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.pack.IndexFile;
import dev.lifeboat.repository.pack.Pack;
import dev.lifeboat.repository.pack.PackFormat;
import dev.lifeboat.runtime.WorkerRuntime;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.testing.TestStack;
import dev.lifeboat.testing.TopicEnd;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A replicator killed with SIGKILL in the middle of a copy, then started again. */
@LifeboatIntegrationTest
class ReplicatorCrashIT {
  @TempDir Path dir;

  @Test
  void aReplicatorKilledMidCopyResumesWithNoPartialObjectAndNothingCopiedTwice(TestStack stack) throws Exception {
    String prefix = "crash-" + UUID.randomUUID();
    String store = "offsite-" + UUID.randomUUID().toString().substring(0, 8);
    BlobStore offsite = TestStores.offsite(stack, prefix);
    SnapshotCompleted snapshot;
    try (TestRepository primary = new TestRepository(TestStores.primary(stack, prefix))) {
      snapshot = primary.snapshot("etcd", 24 << 20, 5);
    }
    BlobStore primary = TestStores.primary(stack, prefix);
    Map<String, Long> source = TestRepository.objects(primary);
    String topic = stack.newTopic("snapshots", 1);
    stack.send(topic, snapshot.getSnapshotId(), snapshot);

    EmbeddedS3 p = stack.stack().primary();
    EmbeddedS3 o = stack.stack().offsite();
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), ReplicatorInAnotherProcess.class.getName(),
        stack.kafka().bootstrapServers(), stack.stack().registryUrl(), topic, store, p.endpoint(), EmbeddedStack.PRIMARY_BUCKET,
        o.endpoint(), EmbeddedStack.OFFSITE_BUCKET, prefix, p.accessKey(), p.secretKey(), "400")
        .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (packs(offsite) < 6 && child.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(child.isAlive()).as(Files.readString(dir.resolve("child.log"))).isTrue();
    } finally {
      child.destroyForcibly(); // SIGKILL: no shutdown hook, no transaction committed
      child.waitFor(10, TimeUnit.SECONDS);
    }

    Map<String, Long> afterKill = TestRepository.objects(offsite);
    assertThat(afterKill.size()).as("the copy was interrupted part-way").isGreaterThanOrEqualTo(6).isLessThan(source.size());
    assertThat(afterKill).doesNotContainKey(snapshot.getManifestKey());
    for (String key : afterKill.keySet()) {
      byte[] copy = offsite.get(key).orElseThrow();
      assertThat(copy).as("%s is whole", key).isEqualTo(primary.get(key).orElseThrow());
      if (key.startsWith(Pack.PREFIX) || key.startsWith(IndexFile.PREFIX)) {
        assertThat(PackFormat.sha256(copy)).isEqualTo(key.substring(key.lastIndexOf('/') + 1));
      }
    }

    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    Health health = new Health(Clock.systemUTC());
    var events = stack.events("replicator");
    try (WorkerRuntime runtime = new WorkerRuntime(stack.kafka(), stack.registry(), events, meters, health, "it-");
        TargetReplication restarted = new TargetReplication(store, ReplicationConfig.defaults(), ReplicatorIT.retrying(primary),
            ReplicatorIT.retrying(offsite), events, runtime.audit(), meters, health)) {
      runtime.start(restarted.worker(topic, ReplicatorIT.FAST));

      List<SnapshotReplicated> replicated = stack.read(Topics.REPLICATIONS, SnapshotReplicated.class, Duration.ofSeconds(90),
          l -> l.stream().anyMatch(r -> r.getStore().equals(store)));
      // the announcement has been processed and committed: a second report, if any, is on the topic now
      TopicEnd.awaitConsumed(stack.kafka(), "it-replicator-" + store, topic, Duration.ofSeconds(90));
      AvroDeserializer<Object> deserializer = new AvroDeserializer<>(stack.registry());
      replicated = TopicEnd.readToEnd(stack.kafka(), Topics.REPLICATIONS).stream()
          .map(r -> deserializer.decode(r.topic(), r.partition(), r.offset(), r.value()))
          .filter(SnapshotReplicated.class::isInstance).map(SnapshotReplicated.class::cast)
          .filter(r -> r.getStore().equals(store)).toList();
      assertThat(replicated).as("replicated once (health %s)", health.components()).singleElement().satisfies(r -> {
        assertThat(r.getSnapshotId()).isEqualTo(snapshot.getSnapshotId());
        assertThat(r.getObjectsCopied()).as("only what the killed process had not copied").isEqualTo(source.size() - afterKill.size());
        assertThat(r.getObjectsSkipped()).isEqualTo(afterKill.size());
      });
    }
    assertThat(TestRepository.objects(offsite)).isEqualTo(source);
    for (String key : source.keySet()) {
      assertThat(offsite.get(key)).as(key).contains(primary.get(key).orElseThrow());
    }
    assertThat(TestRepository.restore(offsite, snapshot)).isEqualTo(TestRepository.restore(primary, snapshot));
  }

  private static int packs(BlobStore store) {
    int[] n = {0};
    store.list(Pack.PREFIX, info -> n[0]++);
    return n[0];
  }
}
