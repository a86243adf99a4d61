package dev.lifeboat.snapshotter.resources;

import dev.lifeboat.repository.testing.TestStores;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.events.v1.ChangeLogSegmentArchived;
import dev.lifeboat.events.v1.ChangeType;
import dev.lifeboat.events.v1.Header;
import dev.lifeboat.events.v1.RequestReason;
import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.observe.Health;
import dev.lifeboat.repository.ChunkStore.ChunkRef;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.ManifestStore;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.StreamReader;
import dev.lifeboat.repository.changelog.ChangeLogEntry;
import dev.lifeboat.repository.changelog.SegmentFormat;
import dev.lifeboat.repository.changelog.SegmentRef;
import dev.lifeboat.repository.changelog.SegmentStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.resources.PointInTime;
import dev.lifeboat.repository.resources.ResourceDocument;
import dev.lifeboat.repository.resources.ResourceSnapshots;
import dev.lifeboat.runtime.DeadLetterPublisher;
import dev.lifeboat.runtime.WorkerDefinition;
import dev.lifeboat.runtime.WorkerRuntime;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.serde.AvroSerializer;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.snapshotter.SnapshotRequestHandler;
import dev.lifeboat.snapshotter.SnapshotRequestHandler.Source;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.ResourceChanges;
import dev.lifeboat.testing.TestStack;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resource backup end to end on the real embedded stack: changes on Kafka become the state table, a
 * resource snapshot is a consistent cut of it in the repository (one stream per namespace, unchanged
 * namespaces deduplicated), the change log is archived into segments within seconds, and any
 * instant is reconstructed from the nearest snapshot plus the archived changes after it. Malformed
 * records go to the dead-letter topic and stop nothing.
 */
@LifeboatIntegrationTest
class ResourceSnapshotIT {
  private static final Logger log = LoggerFactory.getLogger(ResourceSnapshotIT.class);
  private static final Duration WAIT = Duration.ofSeconds(90);

  private final String cluster = "it-" + UUID.randomUUID().toString().substring(0, 8);
  private final Map<String, ResourceChanged> expected = new TreeMap<>();
  private final byte[] masterKey = new byte[32];
  private final ExecutorService uploads = Executors.newFixedThreadPool(2);
  private final List<AutoCloseable> closing = new ArrayList<>();
  @TempDir
  java.nio.file.Path spill;

  @AfterEach
  void close() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    uploads.shutdownNow();
  }

  @Test
  void theTableSnapshotsTheChangeLogAndPointInTimeAgreeAndMalformedRecordsStopNothing(TestStack stack) throws Exception {
    String changes = stack.newTopic("resource-changes", 3);
    String state = compactedTopic(stack, "resource-state", 3);
    String requests = stack.newTopic("snapshot-requests", 1);
    Repository repository = Repository.openOrCreate(TestStores.primary(stack, "resources-" + cluster), masterKey,
        ChunkerParams.DEFAULT, new SimpleMeterRegistry());
    SegmentStore segments = SegmentStore.open(repository, masterKey);
    WorkerRuntime runtime = new WorkerRuntime(stack.kafka(), stack.registry(), new dev.lifeboat.audit.EventFactory(cluster, "snapshotter", Clock.systemUTC()),
        new SimpleMeterRegistry(), new Health(Clock.systemUTC()), "it-" + cluster + "-");
    closing.add(runtime);
    ResourceStateTable.Settings tableSettings = new ResourceStateTable.Settings(
        ResourceStateTable.applicationId(cluster), cluster, changes, state, 1, null);
    ChangeLogArchiver.Settings archiverSettings = new ChangeLogArchiver.Settings(cluster, changes,
        "it-changelog-" + cluster, Duration.ofSeconds(1), ChangeLogArchiver.DEFAULT_MAX_SEGMENT_BYTES, repository.describe());
    ResourceBackup backup = ResourceBackup.start(tableSettings, archiverSettings, runtime.context(),
        new dev.lifeboat.audit.EventFactory(cluster, "snapshotter", Clock.systemUTC()), repository, segments, uploads);
    closing.add(backup);
    Map<SnapshotKind, Source> sources = new EnumMap<>(SnapshotKind.class);
    sources.put(SnapshotKind.RESOURCES, backup.source());
    runtime.start(WorkerDefinition.of("snapshotter-" + requests, requests, new SnapshotRequestHandler(sources,
        repository, new dev.lifeboat.audit.EventFactory(cluster, "snapshotter", Clock.systemUTC()), runtime.audit(), Clock.systemUTC())));

    // Phase A: three namespaces and cluster-scoped objects, with a modification, a deletion and two malformed records.
    ResourceChanges web = object("shop", "web");
    ResourceChanges db = object("shop", "db");
    ResourceChanges api = object("shop", "api");
    ResourceChanges tmp = object("shop", "tmp");
    ResourceChanges redis = object("cache", "redis");
    ResourceChanges job = object("ops", "job");
    send(stack, changes, web, web.data("v1").added());
    send(stack, changes, db, db.data("v1").added());
    send(stack, changes, api, api.data("v1").added());
    send(stack, changes, tmp, tmp.added());
    stack.sendRaw(changes, cluster + "/shop//ConfigMap/garbage", "not avro at all".getBytes(StandardCharsets.UTF_8));
    stack.sendRaw(changes, null, new byte[] {0, 0, 0, 0, 1, 2});
    send(stack, changes, redis, redis.data("v1").added());
    send(stack, changes, job, job.data("v1").added());
    send(stack, changes, api, api.data("v2").resourceVersion(2).modified());
    send(stack, changes, tmp, tmp.deleted());
    for (String namespace : List.of("shop", "cache", "ops")) {
      ResourceChanges ns = ResourceChanges.in(cluster).clusterScoped().kind("", "v1", "Namespace").name(namespace);
      send(stack, changes, ns, ns.added());
    }
    ResourceChanges otherCluster = ResourceChanges.in(cluster + "-other").namespace("shop").configMap("web");
    stack.send(changes, otherCluster.key(), otherCluster.added()); // another cluster sharing the topic: ignored
    awaitTable(stack, state);

    SnapshotCompleted first = snapshot(stack, requests, "a-" + cluster);
    Manifest firstManifest = repository.manifests().read(first.getManifestKey()).orElseThrow();
    assertThat(first.getKind()).isEqualTo(SnapshotKind.RESOURCES);
    assertThat(first.getPhase()).isEqualTo(SnapshotPhase.COMPLETED);
    assertThat(first.getItemCount()).isEqualTo(8);
    assertThat(first.getChunkCount()).isEqualTo(4);
    assertThat(first.getNewChunkCount()).isEqualTo(4);
    assertThat(first.getNewBytes()).isPositive();
    assertThat(repository.store().get(first.getManifestKey()).map(ManifestStore::sha256)).hasValue(first.getManifestSha256());
    assertThat(firstManifest.streams()).extracting(Manifest.Stream::name).containsExactly("_cluster", "cache", "ops", "shop");
    assertThat(contents(repository, firstManifest)).isEqualTo(expectedDocuments());
    assertThat(firstManifest.details()).containsEntry("objects.shop", "3").containsEntry("objects._cluster", "3")
        .containsEntry(ResourceSnapshots.CHANGES_PENDING, "0")
        .containsEntry(ResourceSnapshots.CHANGES_OFFSETS, ResourceSnapshots.formatOffsets(endOffsets(stack, changes)))
        .containsKeys(ResourceSnapshots.STATE_OFFSETS, ResourceSnapshots.CUT_TIME);
    assertThat(first.getDetails()).containsEntry(ResourceSnapshots.CHANGES_OFFSETS,
        firstManifest.details().get(ResourceSnapshots.CHANGES_OFFSETS));
    Instant afterFirst = Instant.now();
    Map<String, String> stateAfterA = expectedDocuments();
    Thread.sleep(20);

    // Phase B: one namespace changes; the next snapshot stores new chunks for that namespace only.
    send(stack, changes, web, web.data("v2").resourceVersion(2).modified());
    awaitTable(stack, state);
    SnapshotCompleted second = snapshot(stack, requests, "b-" + cluster);
    Manifest secondManifest = repository.manifests().read(second.getManifestKey()).orElseThrow();
    assertThat(second.getNewChunkCount()).isEqualTo(1);
    assertThat(second.getChunkCount()).isEqualTo(4);
    assertThat(secondManifest.parent()).isEqualTo(first.getSnapshotId());
    assertThat(chunks(secondManifest, "shop")).isNotEqualTo(chunks(firstManifest, "shop"));
    for (String unchanged : List.of("_cluster", "cache", "ops")) {
      assertThat(chunks(secondManifest, unchanged)).isEqualTo(chunks(firstManifest, unchanged));
    }
    assertThat(contents(repository, secondManifest)).isEqualTo(expectedDocuments());
    // A snapshot of one namespace holds that namespace alone, and its bytes are the chunk already stored.
    SnapshotCompleted cacheOnly = snapshot(stack, requests, "c-" + cluster, "cache");
    assertThat(repository.manifests().read(cacheOnly.getManifestKey()).orElseThrow().streams())
        .extracting(Manifest.Stream::name).containsExactly("cache");
    assertThat(cacheOnly.getItemCount()).isEqualTo(1);
    assertThat(cacheOnly.getNewChunkCount()).isZero();
    Instant afterSecond = Instant.now();
    Map<String, String> stateAfterB = expectedDocuments();
    Thread.sleep(20);

    // Phase C: after that instant, a modification and two deletions.
    send(stack, changes, web, web.data("v3").resourceVersion(3).modified());
    send(stack, changes, redis, redis.deleted());
    send(stack, changes, db, db.deleted());

    // The change log reaches the repository within seconds, in segments that decode back to the records.
    Map<Integer, List<String>> sent = sentChanges(stack, changes);
    Map<Integer, Long> ends = new HashMap<>();
    sent.forEach((partition, list) -> ends.put(partition, Long.parseLong(list.get(list.size() - 1).split(" ")[0]) + 1));
    List<ChangeLogSegmentArchived> archived = stack.read(Topics.SNAPSHOTS, ChangeLogSegmentArchived.class, WAIT,
        events -> covers(events.stream().filter(e -> e.getCluster().equals(cluster)).toList(), ends));
    archived = archived.stream().filter(e -> e.getCluster().equals(cluster)).toList();
    for (ChangeLogSegmentArchived event : archived) {
      log.info("Segment {}: {} changes, announced {} ms after its latest change (period 1 s)", event.getSegmentKey(),
          event.getRecordCount(), Duration.between(event.getLastChangeTime(), event.getHeader().getTime()).toMillis());
    }
    assertThat(covers(archived, ends)).isTrue();
    for (ChangeLogSegmentArchived event : archived) {
      assertThat(repository.store().get(event.getSegmentKey()).map(ManifestStore::sha256)).hasValue(event.getSegmentSha256());
      assertThat(event.getSegmentKey()).startsWith("changelog/" + cluster + "/");
    }
    assertThat(archivedChanges(segments)).isEqualTo(sent);

    // Point in time: the nearest snapshot at or before the instant plus the changes after it, none later.
    PointInTime pointInTime = PointInTime.of(repository, segments);
    PointInTime.State atSecond = pointInTime.stateAt(cluster, afterSecond);
    assertThat(atSecond.snapshotId()).isEqualTo(second.getSnapshotId());
    assertThat(atSecond.gaps()).isEmpty();
    assertThat(documents(atSecond)).isEqualTo(stateAfterB);
    PointInTime.State atFirst = pointInTime.stateAt(cluster, afterFirst);
    assertThat(atFirst.snapshotId()).isEqualTo(first.getSnapshotId());
    assertThat(documents(atFirst)).isEqualTo(stateAfterA);
    PointInTime.State now = pointInTime.stateAt(cluster, Instant.now());
    assertThat(documents(now)).isEqualTo(expectedDocuments());
    assertThat(now.objects("shop")).containsOnlyKeys(api.key(), web.key());
    assertThat(now.objects("cache")).isEmpty();

    // Malformed records went to the dead-letter topic, from the table and from the archiver, and stopped neither.
    List<ConsumerRecord<byte[], byte[]>> letters = stack.readRaw(Topics.DLQ, WAIT, l -> workers(l, changes).size() >= 2
        && l.stream().filter(r -> changes.equals(header(r, DeadLetterPublisher.HEADER_TOPIC))).count() >= 4);
    assertThat(workers(letters, changes)).contains(tableSettings.applicationId(), "changelog:" + cluster);
    assertThat(letters).filteredOn(r -> changes.equals(header(r, DeadLetterPublisher.HEADER_TOPIC)))
        .anyMatch(r -> "not avro at all".equals(new String(r.value(), StandardCharsets.UTF_8)));
    assertThat(backup.table().state().isRunningOrRebalancing()).isTrue();
  }

  /**
   * Objects whose latest state cannot be read leave the snapshot partial and counted, an object whose
   * later state is readable again is in it, and what the table deleted is not: the documents are
   * made on several threads but applied in the table's order.
   */
  @Test
  void unreadableStatesMakeAPartialSnapshotAndTheLastStateOfEachObjectWins(TestStack stack) throws Exception {
    String changes = stack.newTopic("resource-changes", 1);
    String state = compactedTopic(stack, "resource-state", 2);
    Repository repository = Repository.openOrCreate(TestStores.primary(stack, "partial-" + cluster), masterKey,
        ChunkerParams.DEFAULT, new SimpleMeterRegistry());
    ResourceChanges web = object("shop", "web");
    ResourceChanges db = object("shop", "db");
    ResourceChanges flaky = object("shop", "flaky");
    ResourceChanges broken = object("shop", "broken");
    AvroSerializer<Object> avro = new AvroSerializer<>(stack.registry());
    try (KafkaProducer<byte[], byte[]> producer = stack.kafka().producer("it-versions")) {
      for (int i = 0; i < 3_000; i++) { // enough records for documents to be made side by side and applied in order
        producer.send(new ProducerRecord<>(state, web.key().getBytes(StandardCharsets.UTF_8),
            avro.serialize(state, web.data("v" + i).resourceVersion(i + 1).modified())));
      }
      producer.flush();
    }
    stack.send(state, db.key(), db.data("v1").added());
    stack.sendRaw(state, flaky.key(), "not avro at all".getBytes(StandardCharsets.UTF_8));
    stack.send(state, broken.key(), ResourceChanged.newBuilder(broken.data("v1").added())
        .setObject(java.nio.ByteBuffer.wrap("{not json".getBytes(StandardCharsets.UTF_8))).build());
    stack.sendRaw(state, db.key(), null); // deleted
    stack.sendRaw(state, cluster + "/shop//ConfigMap/late-garbage", "garbage".getBytes(StandardCharsets.UTF_8));
    stack.send(state, flaky.key(), flaky.data("v2").resourceVersion(2).modified()); // readable again

    ResourceSnapshotter snapshotter = new ResourceSnapshotter(new ResourceSnapshotter.Settings(cluster,
        ResourceStateTable.applicationId(cluster), changes, state), stack.kafka(), new AvroDeserializer<>(stack.registry()),
        repository, uploads, Clock.systemUTC(), spill);
    ResourceSnapshotter.Result result = snapshotter.snapshot("shop", "20260101T000000Z-partial");

    assertThat(result.manifest().phase()).isEqualTo(SnapshotPhase.PARTIALLY_FAILED);
    assertThat(result.manifest().details()).containsEntry(ResourceSnapshots.UNREADABLE_OBJECTS, "2")
        .containsEntry(ResourceSnapshots.OBJECTS, "2");
    Map<String, String> stored = contents(repository, result.manifest());
    assertThat(stored.keySet()).containsExactly(flaky.key(), web.key());
    assertThat(stored.get(web.key())).contains("v2999");
    assertThat(stored.get(flaky.key())).contains("v2");
  }

  private ResourceChanges object(String namespace, String name) {
    return ResourceChanges.in(cluster).namespace(namespace).configMap(name);
  }

  private void send(TestStack stack, String topic, ResourceChanges object, ResourceChanged change) {
    stack.send(topic, object.key(), change);
    if (change.getType() == ChangeType.DELETED) {
      expected.remove(object.key());
    } else {
      expected.put(object.key(), change);
    }
  }

  private Map<String, String> expectedDocuments() {
    Map<String, String> documents = new TreeMap<>();
    expected.forEach((key, change) -> documents.put(key, ResourceDocument.of(key, change).toString()));
    return documents;
  }

  private static Map<String, String> documents(PointInTime.State state) {
    Map<String, String> documents = new TreeMap<>();
    state.forEach(d -> documents.put(d.key(), d.toString()));
    return documents;
  }

  /** Every document of a snapshot, by key; each stream's lines must be sorted by key and in the right namespace. */
  private static Map<String, String> contents(Repository repository, Manifest manifest) throws Exception {
    Map<String, String> documents = new TreeMap<>();
    for (Manifest.Stream stream : manifest.streams()) {
      List<String> keys = new ArrayList<>();
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(new StreamReader(repository.chunks(), stream),
          StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          ResourceDocument document = ResourceDocument.parse(line);
          assertThat(document.namespaceOrCluster()).isEqualTo(stream.name());
          keys.add(document.key());
          documents.put(document.key(), document.toString());
        }
      }
      assertThat(keys).isSorted();
    }
    return documents;
  }

  private static List<String> chunks(Manifest manifest, String stream) {
    return manifest.streams().stream().filter(s -> s.name().equals(stream)).findFirst().orElseThrow()
        .chunks().stream().map(ChunkRef::id).toList();
  }

  private SnapshotCompleted snapshot(TestStack stack, String requests, String id) {
    return snapshot(stack, requests, id, ResourceSnapshots.WHOLE_CLUSTER);
  }

  private SnapshotCompleted snapshot(TestStack stack, String requests, String id, String target) {
    SnapshotRequested request = SnapshotRequested.newBuilder()
        .setHeader(Header.newBuilder().setEventId(UUID.randomUUID().toString()).setTime(Instant.now()).setCluster(cluster)
            .setSource("it").setCorrelationId(id).build())
        .setRequestId(id).setKind(SnapshotKind.RESOURCES).setTarget(target)
        .setReason(RequestReason.COMMAND).build();
    stack.send(requests, target, request);
    return stack.read(Topics.SNAPSHOTS, SnapshotCompleted.class, WAIT,
            l -> l.stream().anyMatch(c -> c.getRequestId().equals(id)))
        .stream().filter(c -> c.getRequestId().equals(id)).findFirst().orElseThrow();
  }

  /** Waits until the state table holds exactly the expected latest change of every object of this cluster. */
  private void awaitTable(TestStack stack, String state) {
    AvroDeserializer<Object> deserializer = new AvroDeserializer<>(stack.registry());
    Map<String, Object> table = new HashMap<>();
    stack.readRaw(state, WAIT, records -> {
      table.clear();
      for (ConsumerRecord<byte[], byte[]> r : records) {
        String key = new String(r.key(), StandardCharsets.UTF_8);
        if (r.value() == null) {
          table.remove(key);
        } else {
          table.put(key, deserializer.decode(r.topic(), r.partition(), r.offset(), r.value()));
        }
      }
      return table.equals(expected);
    });
    assertThat(table.keySet()).as("objects in the state table").isEqualTo(expected.keySet());
    assertThat(table).as("the state table").isEqualTo(expected);
  }

  private static String compactedTopic(TestStack stack, String prefix, int partitions) throws Exception {
    String name = "test." + prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    try (Admin admin = stack.kafka().admin()) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(Map.of("cleanup.policy", "compact"))))
          .all().get();
    }
    return name;
  }

  private static Map<Integer, Long> endOffsets(TestStack stack, String topic) throws Exception {
    try (Admin admin = stack.kafka().admin()) {
      Map<TopicPartition, OffsetSpec> request = new HashMap<>();
      for (int p = 0; p < admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size(); p++) {
        request.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
      Map<Integer, Long> ends = new TreeMap<>();
      admin.listOffsets(request).all().get().forEach((tp, info) -> ends.put(tp.partition(), info.offset()));
      return ends;
    }
  }

  /** Whether the segments announced reach, in every partition, past the given offsets. */
  private static boolean covers(List<ChangeLogSegmentArchived> events, Map<Integer, Long> ends) {
    Map<Integer, Long> covered = new HashMap<>();
    events.forEach(e -> covered.merge(e.getPartition(), e.getLastOffset() + 1, Math::max));
    return ends.entrySet().stream().allMatch(e -> covered.getOrDefault(e.getKey(), -1L) >= e.getValue());
  }

  /** The changes of this cluster as archived: partition to "offset key type resourceVersion", in order. */
  private Map<Integer, List<String>> archivedChanges(SegmentStore segments) {
    Map<Integer, List<String>> changes = new TreeMap<>();
    segments.listAll(cluster).forEach((partition, refs) -> {
      long next = 0;
      for (SegmentRef ref : refs) {
        assertThat(ref.firstOffset()).as("segments of partition %d are contiguous", partition).isEqualTo(next);
        next = ref.lastOffset() + 1;
        for (ChangeLogEntry entry : SegmentFormat.read(segments.read(ref.key()).orElseThrow()).entries()) {
          changes.computeIfAbsent(partition, p -> new ArrayList<>()).add(describe(entry.offset(), entry.key(), entry.change()));
        }
      }
    });
    return changes;
  }

  /** The readable changes of this cluster on the topic, as {@link #archivedChanges} describes them. */
  private Map<Integer, List<String>> sentChanges(TestStack stack, String topic) {
    AvroDeserializer<Object> deserializer = new AvroDeserializer<>(stack.registry());
    Map<Integer, List<String>> changes = new TreeMap<>();
    for (ConsumerRecord<byte[], byte[]> r : stack.readRaw(topic, Duration.ofSeconds(3), l -> false)) {
      String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
      if (key == null || !key.startsWith(cluster + "/")) {
        continue;
      }
      try {
        Object value = deserializer.decode(r.topic(), r.partition(), r.offset(), r.value());
        changes.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(describe(r.offset(), key, (ResourceChanged) value));
      } catch (RuntimeException e) {
        // malformed: dead-lettered, not archived
      }
    }
    changes.values().forEach(list -> list.sort((a, b) -> Long.compare(Long.parseLong(a.split(" ")[0]),
        Long.parseLong(b.split(" ")[0]))));
    return changes;
  }

  private static String describe(long offset, String key, ResourceChanged change) {
    return offset + " " + key + " " + change.getType() + " " + change.getResourceVersion();
  }

  private static List<String> workers(List<ConsumerRecord<byte[], byte[]>> letters, String topic) {
    return letters.stream().filter(r -> topic.equals(header(r, DeadLetterPublisher.HEADER_TOPIC)))
        .map(r -> header(r, DeadLetterPublisher.HEADER_WORKER)).distinct().collect(Collectors.toList());
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    var header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
