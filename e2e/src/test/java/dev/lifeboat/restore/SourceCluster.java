package dev.lifeboat.restore;

import dev.lifeboat.repository.testing.TestStores;
import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.config.EncryptionConfig;
import dev.lifeboat.watcher.WatcherConfig;
import dev.lifeboat.crypto.KeyRing;
import dev.lifeboat.embedded.LocalKubernetes;
import dev.lifeboat.events.v1.ChangeLogSegmentArchived;
import dev.lifeboat.events.v1.Header;
import dev.lifeboat.events.v1.RequestReason;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.observe.Health;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.changelog.SegmentStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.resources.ResourceSnapshots;
import dev.lifeboat.runtime.WorkerDefinition;
import dev.lifeboat.runtime.WorkerRuntime;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.snapshotter.SnapshotRequestHandler;
import dev.lifeboat.snapshotter.SnapshotRequestHandler.Source;
import dev.lifeboat.snapshotter.resources.ChangeLogArchiver;
import dev.lifeboat.snapshotter.resources.ResourceBackup;
import dev.lifeboat.snapshotter.resources.ResourceStateTable;
import dev.lifeboat.testing.TestStack;
import dev.lifeboat.watcher.Watcher;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;

/**
 * A protected cluster as Lifeboat backs it up, for restore tests: a local Kubernetes API of its own
 * (fabric8's CRUD mock with discovery), the real watcher publishing its changes (Secrets sealed),
 * and the real resource backup of the snapshotter (state table, change-log archive every second,
 * resource snapshots on request) into a repository in the primary S3 store.
 */
public final class SourceCluster implements AutoCloseable {
  private static final Duration WAIT = Duration.ofSeconds(120);

  public final String cluster = "it-" + UUID.randomUUID().toString().substring(0, 8);
  public final byte[] masterKey = new byte[32];
  public final byte[] dataKey = new byte[32];
  public final String prefix = "restore-" + cluster;
  private final TestStack stack;
  private final LocalKubernetes kubernetes;
  private final Repository repository;
  private final SegmentStore segments;
  private final ExecutorService uploads = Executors.newFixedThreadPool(2);
  private final List<AutoCloseable> closing = new ArrayList<>();
  private final String requests;
  private final String applicationId;
  private Watcher watcher;

  public SourceCluster(TestStack stack) throws Exception {
    this.stack = stack;
    SecureRandom random = new SecureRandom();
    random.nextBytes(masterKey);
    random.nextBytes(dataKey);
    this.kubernetes = LocalKubernetes.start(0);
    closing.add(kubernetes);
    this.repository = Repository.openOrCreate(TestStores.primary(stack, prefix), masterKey, ChunkerParams.DEFAULT,
        new SimpleMeterRegistry());
    this.segments = SegmentStore.open(repository, masterKey);
    WorkerRuntime runtime = new WorkerRuntime(stack.kafka(), stack.registry(), events("snapshotter"),
        new SimpleMeterRegistry(), new Health(Clock.systemUTC()), "it-" + cluster + "-");
    closing.add(runtime);
    String state = compactedTopic("resource-state");
    this.requests = stack.newTopic("snapshot-requests", 1);
    this.applicationId = ResourceStateTable.applicationId(cluster);
    ResourceBackup backup = ResourceBackup.start(
        new ResourceStateTable.Settings(applicationId, cluster, Topics.RESOURCE_CHANGES, state, 1, null),
        new ChangeLogArchiver.Settings(cluster, Topics.RESOURCE_CHANGES, "it-changelog-" + cluster, Duration.ofSeconds(1),
            16L << 20, repository.describe()),
        runtime.context(), events("snapshotter"), repository, segments, uploads);
    closing.add(backup);
    Map<SnapshotKind, Source> sources = new EnumMap<>(SnapshotKind.class);
    sources.put(SnapshotKind.RESOURCES, backup.source());
    runtime.start(WorkerDefinition.of("snapshotter-" + requests, requests, new SnapshotRequestHandler(sources, repository,
        events("snapshotter"), runtime.audit(), Clock.systemUTC())));
  }

  /** Starts watching; call after seeding the cluster (or before: changes are published either way). */
  public SourceCluster watch() {
    WatcherConfig d = WatcherConfig.defaults();
    watcher = Watcher.start(kubernetes.client(), d, Optional.of(encryption()),
        new Watcher.Services(stack.kafka(), stack.registry(), events("watcher"), new SimpleMeterRegistry(),
            new Health(Clock.systemUTC()), null, Clock.systemUTC()));
    closing.add(watcher);
    Awaitility.await().atMost(WAIT).until(watcher::synced);
    return this;
  }

  public EncryptionConfig encryption() {
    return new EncryptionConfig("k1", Map.of("k1", dataKey));
  }

  public KeyRing keyRing() {
    return KeyRing.from(encryption());
  }

  public KubernetesClient kube() {
    return kubernetes.client();
  }

  public Repository repository() {
    return repository;
  }

  public SegmentStore segments() {
    return segments;
  }

  public RestoreSource restoreSource() {
    return RestoreSource.of(repository, segments, keyRing());
  }

  public EventFactory events(String source) {
    return new EventFactory(cluster, source, Clock.systemUTC());
  }

  /**
   * Waits until every change the watcher published so far is in the state table (the table's
   * committed offsets reached the topic's end), so the next snapshot holds it.
   */
  public void awaitCaptured() throws Exception {
    watcher.flush();
    Map<TopicPartition, Long> ends = endOffsets(Topics.RESOURCE_CHANGES);
    try (Admin admin = stack.kafka().admin()) {
      Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
            .partitionsToOffsetAndMetadata().get();
        return ends.entrySet().stream().allMatch(e -> e.getValue() == 0
            || committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue());
      });
    }
  }

  /** Waits until the change-log archive holds every change of this cluster published so far. */
  public void awaitArchived() {
    watcher.flush();
    Map<Integer, Long> last = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : stack.readRaw(Topics.RESOURCE_CHANGES, Duration.ofSeconds(3), l -> false)) {
      if (r.key() != null && new String(r.key(), StandardCharsets.UTF_8).startsWith(cluster + "/")) {
        last.merge(r.partition(), r.offset(), Math::max);
      }
    }
    stack.read(Topics.SNAPSHOTS, ChangeLogSegmentArchived.class, WAIT, events -> {
      Map<Integer, Long> covered = new HashMap<>();
      events.stream().filter(e -> e.getCluster().equals(cluster))
          .forEach(e -> covered.merge(e.getPartition(), e.getLastOffset(), Math::max));
      return last.entrySet().stream().allMatch(e -> covered.getOrDefault(e.getKey(), -1L) >= e.getValue());
    });
  }

  /** Takes a resource snapshot of the whole cluster and waits for it. */
  public SnapshotCompleted snapshot() {
    String id = "req-" + UUID.randomUUID();
    SnapshotRequested request = SnapshotRequested.newBuilder()
        .setHeader(Header.newBuilder().setEventId(UUID.randomUUID().toString()).setTime(Instant.now()).setCluster(cluster)
            .setSource("it").setCorrelationId(id).build())
        .setRequestId(id).setKind(SnapshotKind.RESOURCES).setTarget(ResourceSnapshots.WHOLE_CLUSTER)
        .setReason(RequestReason.COMMAND).build();
    stack.send(requests, ResourceSnapshots.WHOLE_CLUSTER, request);
    return stack.read(Topics.SNAPSHOTS, SnapshotCompleted.class, WAIT,
            l -> l.stream().anyMatch(c -> id.equals(c.getRequestId())))
        .stream().filter(c -> id.equals(c.getRequestId())).findFirst().orElseThrow();
  }

  private String compactedTopic(String name) throws Exception {
    String topic = "test." + name + "-" + UUID.randomUUID().toString().substring(0, 8);
    try (Admin admin = stack.kafka().admin()) {
      admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1).configs(Map.of("cleanup.policy", "compact"))))
          .all().get();
    }
    return topic;
  }

  private Map<TopicPartition, Long> endOffsets(String topic) throws Exception {
    try (Admin admin = stack.kafka().admin()) {
      int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
      Map<TopicPartition, OffsetSpec> request = new HashMap<>();
      for (int p = 0; p < partitions; p++) {
        request.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
      Map<TopicPartition, Long> ends = new HashMap<>();
      admin.listOffsets(request).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
      return ends;
    }
  }

  @Override
  public void close() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      try {
        closing.get(i).close();
      } catch (Exception e) {
        // keep closing the rest
      }
    }
    uploads.shutdownNow();
  }
}
