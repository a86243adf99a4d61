package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatConfig.ClusterConfig;
import dev.lifeboat.config.LifeboatConfig.KafkaConfig;
import dev.lifeboat.config.LifeboatConfig.StatusConfig;
import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.config.LifeboatConfig.StoresConfig;
import dev.lifeboat.config.RetentionConfig;
import dev.lifeboat.events.v1.RequestReason;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.lease.Leadership;
import dev.lifeboat.lease.LeaseConfig;
import dev.lifeboat.observe.Health;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.snapshotter.SnapshotterConfig;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import dev.lifeboat.watcher.WatcherConfig;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two snapshotters of one cluster with leaderElection on, as two replicas of its Deployment: one holds
 * the lease and runs the schedules, the other stands by; when the holder stops, the other takes over
 * and the scheduled requests go on. A process without the lease requests nothing. Both serve requests
 * and share the resource state table (a Kafka Streams application): every resource snapshot, taken by
 * either, holds every object the watcher published.
 */
@LifeboatIntegrationTest
class SingletonLeaseIT {
  private static final Duration RESOURCES_EVERY = Duration.ofSeconds(1);
  private static final int OBJECTS = 30;
  private final TestStack stack;
  private final String cluster = "lease-" + UUID.randomUUID().toString().substring(0, 8);

  SingletonLeaseIT(TestStack stack) {
    this.stack = stack;
  }

  @Test
  void oneOfTwoSnapshottersSchedulesAndTheOtherTakesOverWhenItStops(@TempDir Path dataDir) throws Exception {
    String namespace = cluster;
    stack.stack().kubernetes().orElseThrow().client().namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build()).create();
    var api = stack.stack().kubernetes().orElseThrow().client();
    for (int i = 0; i < OBJECTS; i++) {
      api.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder().withNewMetadata().withName("settings-" + i)
          .endMetadata().addToData("n", Integer.toString(i)).build()).create();
    }
    LifeboatConfig config = config(dataDir, namespace);
    LifeboatProcess watcher = new LifeboatProcess(config, "lease-it-watcher").only(Set.of("watcher")).start();
    LifeboatProcess first = new LifeboatProcess(config, "lease-it-1").only(Set.of("snapshotter")).start();
    LifeboatProcess second = new LifeboatProcess(config, "lease-it-2").only(Set.of("snapshotter")).start();
    try {
      await(() -> holding(first) || holding(second), Duration.ofSeconds(30));
      LifeboatProcess holder = holding(first) ? first : second;
      LifeboatProcess standby = holder == first ? second : first;
      assertThat(holding(standby)).isFalse();
      assertThat(detail(standby)).contains("standing by");

      // one schedule: about one request per period, not two
      Map<TopicPartition, Long> from = endOffset();
      Thread.sleep(6_000); // a period of time to count requests in, not a wait for something to happen
      long during = scheduled(from, endOffset());
      assertThat(during).as("scheduled resource snapshots of %s in 6 s, one every %s", cluster, RESOURCES_EVERY)
          .isBetween(3L, 8L);
      assertThat(holding(standby)).isFalse();

      Instant stopped = Instant.now();
      holder.close(); // releases the lease
      await(() -> holding(standby), Duration.ofSeconds(10));
      assertThat(Duration.between(stopped, Instant.now())).isLessThan(Duration.ofSeconds(5));
      Map<TopicPartition, Long> after = endOffset();
      await(() -> scheduled(after, endOffset()) >= 2, Duration.ofSeconds(15));

      // the two snapshotters shared the resource state table (a Kafka Streams application, its partitions
      // split between them), and each resource snapshot holds every object, before and after the handover
      List<Long> items = resourceSnapshots(Topics.SNAPSHOTS);
      assertThat(items).as("resource snapshots of %s and their object counts", cluster).hasSizeGreaterThanOrEqualTo(4);
      assertThat(items.get(items.size() - 1)).as("objects in the last snapshot, taken by one snapshotter")
          .isGreaterThanOrEqualTo(OBJECTS);
      int complete = items.indexOf(items.stream().filter(n -> n >= OBJECTS).findFirst().orElseThrow());
      assertThat(items.subList(complete, items.size())).as("object counts of every snapshot from the first that had them all")
          .allMatch(n -> n >= OBJECTS);
    } finally {
      first.close();
      second.close();
      watcher.close();
    }
  }

  private LifeboatConfig config(Path dataDir, String namespace) {
    LifeboatConfig demo = DemoConfig.of(stack.stack().endpoints(), dataDir, 0);
    StoreConfig p = demo.stores().primary();
    StoreConfig primary = new StoreConfig(p.name(), p.endpoint(), p.bucket(), cluster, p.accessKey(), p.secretKey(), p.region());
    SnapshotterConfig s = demo.section(SnapshotterConfig.SECTION);
    return new LifeboatConfig(new ClusterConfig(cluster),
        new KafkaConfig(stack.kafka().bootstrapServers(), cluster + "-", 1, KafkaClients.DEFAULT_COMPRESSION, Map.of()),
        demo.registry(), new StoresConfig(primary, List.of()), demo.kubernetes(), Optional.empty(), new StatusConfig("127.0.0.1", 0),
        demo.encryption(), demo.repository(), new RetentionConfig(10, 24, 7, 4, 12, Duration.ofMinutes(30), Duration.ofMinutes(5)))
        .with(SnapshotterConfig.SECTION, new SnapshotterConfig(true, s.masterKey(), Duration.ZERO, "", 2, s.csiTimeout(),
            s.csiSnapshotClass(), RESOURCES_EVERY, Duration.ofSeconds(5)))
        .with(WatcherConfig.SECTION, new WatcherConfig(true, List.of("ConfigMap"), List.of(), List.of(namespace), List.of(), null,
            true, Duration.ofMinutes(1), List.of(), 10_000, "lz4", List.of()))
        .with(LeaseConfig.SECTION, new LeaseConfig(true, new Leadership.Settings(namespace, Duration.ofSeconds(3),
            Duration.ofSeconds(2), Duration.ofMillis(300))));
  }

  private static boolean holding(LifeboatProcess process) {
    return detail(process).startsWith("holding");
  }

  private static String detail(LifeboatProcess process) {
    Health.Status status = process.health().components().get("lease:lifeboat-snapshotter");
    return status == null ? "" : status.detail();
  }

  /** The object counts of this cluster's completed resource snapshots, in the order they completed. */
  private List<Long> resourceSnapshots(String topic) {
    AvroDeserializer<Object> avro = new AvroDeserializer<>(stack.registry());
    List<SnapshotCompleted> completed = new java.util.ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = stack.kafka().consumer("lease-it-" + UUID.randomUUID())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Instant deadline = Instant.now().plusSeconds(30);
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        assertThat(Instant.now()).as("read up to the end offsets %s", end).isBefore(deadline);
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          Object value = r.value() == null ? null : avro.decode(r.topic(), r.partition(), r.offset(), r.value());
          if (value instanceof SnapshotCompleted c && c.getHeader().getCluster().equals(cluster)
              && c.getKind() == SnapshotKind.RESOURCES) {
            completed.add(c);
          }
        }
      }
    }
    completed.sort(java.util.Comparator.comparing(c -> c.getHeader().getTime()));
    return completed.stream().map(c -> (long) c.getItemCount()).toList();
  }

  private Map<TopicPartition, Long> endOffset() {
    try (KafkaConsumer<byte[], byte[]> consumer = stack.kafka().consumer("lease-it-" + UUID.randomUUID())) {
      List<TopicPartition> partitions = consumer.partitionsFor(Topics.SNAPSHOT_REQUESTS).stream()
          .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
      return consumer.endOffsets(partitions);
    }
  }

  /** Scheduled resource snapshot requests of this cluster between two sets of end offsets (markers, not a sleep). */
  private long scheduled(Map<TopicPartition, Long> from, Map<TopicPartition, Long> to) {
    AvroDeserializer<Object> avro = new AvroDeserializer<>(stack.registry());
    long count = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = stack.kafka().consumer("lease-it-" + UUID.randomUUID())) {
      consumer.assign(from.keySet());
      from.forEach(consumer::seek);
      Instant deadline = Instant.now().plusSeconds(30);
      while (from.keySet().stream().anyMatch(tp -> consumer.position(tp) < to.get(tp))) {
        assertThat(Instant.now()).as("read up to the end offsets %s", to).isBefore(deadline);
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.offset() >= to.get(new TopicPartition(r.topic(), r.partition()))) {
            continue;
          }
          Object value = avro.decode(r.topic(), r.partition(), r.offset(), r.value());
          if (value instanceof SnapshotRequested q && q.getHeader().getCluster().equals(cluster)
              && q.getReason() == RequestReason.SCHEDULE) {
            count++;
          }
        }
      }
    }
    return count;
  }

  private static void await(BooleanSupplier condition, Duration within) {
    Awaitility.await().atMost(within).pollInterval(Duration.ofMillis(50)).until(condition::getAsBoolean);
  }

}
