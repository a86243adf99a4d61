package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.events.v1.RequestReason;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.lease.Leadership;
import dev.lifeboat.lease.LeaseConfig;
import dev.lifeboat.observe.Health;
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
import java.util.Set;
import java.util.function.BooleanSupplier;
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
  private final IsolatedCluster cluster;

  SingletonLeaseIT(TestStack stack) {
    this.stack = stack;
    this.cluster = new IsolatedCluster(stack, "lease");
  }

  @Test
  void oneOfTwoSnapshottersSchedulesAndTheOtherTakesOverWhenItStops(@TempDir Path dataDir) throws Exception {
    String namespace = cluster.name();
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
      assertThat(during).as("scheduled resource snapshots of %s in 6 s, one every %s", cluster.name(), RESOURCES_EVERY)
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
      List<Long> items = resourceSnapshots();
      assertThat(items).as("resource snapshots of %s and their object counts", cluster.name()).hasSizeGreaterThanOrEqualTo(4);
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
    LifeboatConfig base = cluster.config(dataDir);
    SnapshotterConfig s = base.section(SnapshotterConfig.SECTION);
    return base
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
  private List<Long> resourceSnapshots() {
    return cluster.records(Topics.SNAPSHOTS, SnapshotCompleted.class).stream()
        .filter(c -> c.getKind() == SnapshotKind.RESOURCES)
        .sorted(java.util.Comparator.comparing(c -> c.getHeader().getTime()))
        .map(SnapshotCompleted::getItemCount).toList();
  }

  private Map<TopicPartition, Long> endOffset() {
    return cluster.endOffsets(Topics.SNAPSHOT_REQUESTS);
  }

  /** Scheduled resource snapshot requests of this cluster between two sets of end offsets (markers, not a sleep). */
  private long scheduled(Map<TopicPartition, Long> from, Map<TopicPartition, Long> to) {
    return cluster.records(SnapshotRequested.class, from, to).stream()
        .filter(q -> q.getReason() == RequestReason.SCHEDULE).count();
  }

  private static void await(BooleanSupplier condition, Duration within) {
    Awaitility.await().atMost(within).pollInterval(Duration.ofMillis(50)).until(condition::getAsBoolean);
  }

}
