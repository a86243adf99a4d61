package dev.lifeboat.snapshotter.resources;

import dev.lifeboat.events.v1.ChangeType;
import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.ManifestStore;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.StreamWriter;
import dev.lifeboat.repository.resources.ResourceDocument;
import dev.lifeboat.repository.resources.ResourceSnapshots;
import dev.lifeboat.repository.resources.SpilledObjects;
import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.retry.PermanentFailure;
import dev.lifeboat.retry.RetriableFailure;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.topics.TopicReadTimeoutException;
import dev.lifeboat.schemas.topics.TopicReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Takes resource snapshots: a consistent cut of the state table ({@link ResourceCut}), read with a
 * plain read-committed consumer up to the cut, the latest state of every object kept (tombstones
 * drop it), written to the repository as one stream per namespace (cluster-scoped objects under
 * {@value ResourceDocument#CLUSTER_SCOPED}), one {@link ResourceDocument} line per object sorted by
 * key, so a namespace that did not change is stored as the chunks it already has. The manifest
 * ({@link ResourceSnapshots} describes it) records both offset sets, the cut time and object counts.
 *
 * <p>Target: {@value ResourceSnapshots#WHOLE_CLUSTER} for everything, a namespace, or
 * {@value ResourceDocument#CLUSTER_SCOPED} for the cluster-scoped objects alone.
 *
 * <p>Memory: object documents are spilled to a temporary file as the table is read ({@link
 * SpilledObjects}: its size is what was read, superseded versions included) and read back by
 * position; memory holds the key of every live object of the target and where its document is,
 * about 150 bytes plus the key per object, plus the stream writer's chunks in flight.
 */
public final class ResourceSnapshotter {
  private static final Logger log = LoggerFactory.getLogger(ResourceSnapshotter.class);
  private static final Duration CUT_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STALL_TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  /**
   * @param applicationId the state table's Streams application id (its consumer group)
   */
  public record Settings(String cluster, String applicationId, String changesTopic, String stateTopic) {
    public static Settings of(ResourceStateTable.Settings table) {
      return new Settings(table.cluster(), table.applicationId(), table.inputTopic(), table.outputTopic());
    }
  }

  /** What a snapshot produced. */
  public record Result(Manifest manifest, ManifestStore.Written written, long newChunks, long newBytes, long objects,
      Duration duration) {}

  private final Settings settings;
  private final KafkaClients kafka;
  private final AvroDeserializer<Object> deserializer;
  private final Repository repository;
  private final ExecutorService uploads;
  private final Clock clock;
  private final Path spillDirectory;

  public ResourceSnapshotter(Settings settings, KafkaClients kafka, AvroDeserializer<Object> deserializer,
      Repository repository, ExecutorService uploads, Clock clock, Path spillDirectory) {
    this.settings = settings;
    this.kafka = kafka;
    this.deserializer = deserializer;
    this.repository = repository;
    this.uploads = uploads;
    this.clock = clock;
    this.spillDirectory = spillDirectory;
  }

  public Result snapshot(String target, String snapshotId) throws IOException {
    Predicate<String> wanted = namespaces(target);
    Instant started = clock.instant();
    MDC.put("snapshotId", snapshotId);
    try (Admin admin = kafka.admin(); SpilledObjects spill = new SpilledObjects(spillDirectory)) {
      ResourceCut cut = ResourceCut.take(admin, settings.applicationId(), settings.changesTopic(), settings.stateTopic(),
          clock, CUT_TIMEOUT);
      Table table = read(cut, wanted, spill);
      spill.finishWriting();
      Instant cutTime = table.latestChange != null && table.latestChange.isAfter(cut.takenAt()) ? table.latestChange
          : cut.takenAt();

      List<Manifest.Stream> streams = new ArrayList<>();
      Map<String, String> details = new TreeMap<>();
      long newChunks = 0;
      long newBytes = 0;
      StreamWriter writer = new StreamWriter(repository.chunks(), repository.chunker(), uploads, 4);
      for (String namespace : spill.namespaces()) {
        StreamWriter.Result written = writer.write(namespace, spill.lines(namespace), bytes -> {});
        streams.add(written.stream());
        newChunks += written.newChunks();
        newBytes += written.newBytes();
        details.put(ResourceSnapshots.OBJECTS_PREFIX + namespace, Integer.toString(spill.count(namespace)));
      }
      details.put(ResourceSnapshots.CUT_TIME, cutTime.toString());
      details.put(ResourceSnapshots.APPLICATION_ID, settings.applicationId());
      details.put(ResourceSnapshots.CHANGES_TOPIC, settings.changesTopic());
      details.put(ResourceSnapshots.CHANGES_OFFSETS, ResourceSnapshots.formatOffsets(cut.changesOffsets()));
      details.put(ResourceSnapshots.CHANGES_PENDING, Long.toString(cut.pending()));
      details.put(ResourceSnapshots.STATE_TOPIC, settings.stateTopic());
      details.put(ResourceSnapshots.STATE_OFFSETS, ResourceSnapshots.formatOffsets(cut.stateEnd()));
      details.put(ResourceSnapshots.OBJECTS, Integer.toString(spill.size()));
      if (!table.unreadable.isEmpty()) {
        details.put(ResourceSnapshots.UNREADABLE_OBJECTS, Integer.toString(table.unreadable.size()));
      }
      String parent = repository.manifests().latest(ResourceSnapshots.KIND, target).map(Manifest::snapshotId).orElse(null);
      Manifest manifest = new Manifest(Manifest.FORMAT, snapshotId, ResourceSnapshots.KIND, target, settings.cluster(),
          started, parent, table.unreadable.isEmpty() ? SnapshotPhase.COMPLETED : SnapshotPhase.PARTIALLY_FAILED, streams,
          null, details);
      ManifestStore.Written stored = repository.manifests().write(manifest);
      Duration duration = Duration.between(started, clock.instant());
      log.info("Resource snapshot {} of {}: {} objects in {} namespaces ({} records of the table read, {} unreadable), "
              + "changes offsets {}, {} new chunks ({} bytes) in {} ms", snapshotId, target, spill.size(),
          streams.size(), table.recordsRead, table.unreadable.size(), cut.changesOffsets(), newChunks, newBytes,
          duration.toMillis());
      return new Result(manifest, stored, newChunks, newBytes, spill.size(), duration);
    } finally {
      MDC.remove("snapshotId");
    }
  }

  private static Predicate<String> namespaces(String target) {
    if (ResourceSnapshots.WHOLE_CLUSTER.equals(target)) {
      return namespace -> true;
    }
    if (ResourceDocument.CLUSTER_SCOPED.equals(target) || NAMESPACE.matcher(target).matches()) {
      return target::equals;
    }
    throw new PermanentFailure("a resource snapshot's target is '" + ResourceSnapshots.WHOLE_CLUSTER + "', '"
        + ResourceDocument.CLUSTER_SCOPED + "' or a namespace name, not '" + target + "'");
  }

  /** What was read of the table besides the objects. */
  private static final class Table {
    final Set<String> unreadable = new HashSet<>();
    long recordsRead;
    Instant latestChange;
  }

  /** The state table up to the cut, from its beginning, with a read-committed consumer of no group. */
  private Table read(ResourceCut cut, Predicate<String> wanted, SpilledObjects spill) throws IOException {
    Table table = new Table();
    String prefix = settings.cluster() + "/";
    Map<TopicPartition, Long> ends = new HashMap<>();
    cut.stateEnd().forEach((partition, end) -> ends.put(new TopicPartition(settings.stateTopic(), partition), end));
    try (TopicReader reader = kafka.topicReader("lifeboat-resource-snapshot", settings.stateTopic())
        .stallTimeout(STALL_TIMEOUT)) {
      reader.readUpTo(ends, record -> {
        table.recordsRead++;
        apply(record, prefix, wanted, table, spill);
      });
    } catch (TopicReadTimeoutException e) {
      throw new RetriableFailure("reading " + settings.stateTopic() + " made no progress for "
          + STALL_TIMEOUT.toSeconds() + " s: " + e.getMessage(), e);
    }
    return table;
  }

  private void apply(ConsumerRecord<byte[], byte[]> record, String prefix, Predicate<String> wanted, Table table,
      SpilledObjects spill) throws IOException {
    if (record.key() == null) {
      return; // the table never holds one; nothing to attribute it to
    }
    String key = new String(record.key(), StandardCharsets.UTF_8);
    if (!key.startsWith(prefix)) {
      return;
    }
    Instant time = Instant.ofEpochMilli(record.timestamp());
    if (table.latestChange == null || time.isAfter(table.latestChange)) {
      table.latestChange = time;
    }
    String namespace;
    try {
      namespace = ResourceDocument.namespaceOfKey(key);
    } catch (IllegalArgumentException e) {
      return;
    }
    if (!wanted.test(namespace)) {
      return;
    }
    table.unreadable.remove(key);
    if (record.value() == null) {
      spill.remove(key);
      return;
    }
    try {
      Object value = deserializer.decode(record.topic(), record.partition(), record.offset(), record.value());
      if (!(value instanceof ResourceChanged change)) {
        throw new IllegalArgumentException("not a ResourceChanged: " + (value == null ? null : value.getClass().getName()));
      }
      if (change.getType() == ChangeType.DELETED) {
        spill.remove(key);
        return;
      }
      spill.put(key, ResourceDocument.of(key, change).toLine());
    } catch (RuntimeException e) {
      if (ErrorClassifier.isRetriable(e)) {
        throw e;
      }
      log.warn("The latest state of {} ({}-{}@{}) cannot be read; the snapshot will be partial: {}", key, record.topic(),
          record.partition(), record.offset(), ErrorClassifier.describe(e));
      spill.remove(key);
      table.unreadable.add(key);
    }
  }
}
