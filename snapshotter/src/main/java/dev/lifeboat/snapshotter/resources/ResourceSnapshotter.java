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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
  /** Threads that make documents while the table is read, and how many documents may wait to be applied. */
  private static final int DOCUMENT_THREADS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
  private static final int DOCUMENTS_IN_FLIGHT = 1024;
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

  /**
   * The state table up to the cut, from its beginning, with a read-committed consumer of no group.
   * Records are decoded on this thread; their documents (the object's JSON compacted, the line
   * written) are made on {@link #DOCUMENT_THREADS} threads and applied to the spill in record order,
   * so the last state of each object still wins.
   */
  private Table read(ResourceCut cut, Predicate<String> wanted, SpilledObjects spill) throws IOException {
    Table table = new Table();
    String prefix = settings.cluster() + "/";
    Map<TopicPartition, Long> ends = new HashMap<>();
    cut.stateEnd().forEach((partition, end) -> ends.put(new TopicPartition(settings.stateTopic(), partition), end));
    ExecutorService documents = Executors.newFixedThreadPool(DOCUMENT_THREADS, runnable -> {
      Thread thread = new Thread(runnable, "lifeboat-resource-documents");
      thread.setDaemon(true);
      return thread;
    });
    InOrder inOrder = new InOrder(table, spill);
    try (TopicReader reader = kafka.topicReader("lifeboat-resource-snapshot", settings.stateTopic())
        .stallTimeout(STALL_TIMEOUT)) {
      reader.readUpTo(ends, record -> {
        table.recordsRead++;
        Step step = decode(record, prefix, wanted, table, documents);
        if (step != null) {
          inOrder.add(step, DOCUMENTS_IN_FLIGHT);
        }
      });
      inOrder.add(null, 0);
    } catch (TopicReadTimeoutException e) {
      throw new RetriableFailure("reading " + settings.stateTopic() + " made no progress for "
          + STALL_TIMEOUT.toSeconds() + " s: " + e.getMessage(), e);
    } finally {
      documents.shutdownNow();
    }
    return table;
  }

  /**
   * What one record of the table does to the snapshot, applied in record order: its object's
   * document (still being made) goes in, its object goes, or its object cannot be read.
   *
   * @param document null when the object is gone or unreadable
   * @param unreadable why the object cannot be read, or null
   */
  private record Step(String key, ConsumerRecord<byte[], byte[]> record, Future<byte[]> document, String unreadable) {}

  /** Applies steps to the spill in the order they were read, at most a given number waiting. */
  private final class InOrder {
    private final ArrayDeque<Step> waiting = new ArrayDeque<>();
    private final Table table;
    private final SpilledObjects spill;

    InOrder(Table table, SpilledObjects spill) {
      this.table = table;
      this.spill = spill;
    }

    /** Adds {@code step} (when not null), then applies the oldest until at most {@code limit} wait. */
    void add(Step step, int limit) throws IOException {
      if (step != null) {
        waiting.add(step);
      }
      while (waiting.size() > limit) {
        apply(waiting.poll());
      }
    }

    private void apply(Step step) throws IOException {
      table.unreadable.remove(step.key());
      String unreadable = step.unreadable();
      if (step.document() != null) {
        try {
          spill.put(step.key(), step.document().get());
          return;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new RetriableFailure("interrupted while reading " + settings.stateTopic(), e);
        } catch (ExecutionException e) {
          if (e.getCause() instanceof RuntimeException r && ErrorClassifier.isRetriable(r)) {
            throw r;
          }
          unreadable = ErrorClassifier.describe(e.getCause());
        }
      }
      spill.remove(step.key());
      if (unreadable != null) {
        log.warn("The latest state of {} ({}-{}@{}) cannot be read; the snapshot will be partial: {}", step.key(),
            step.record().topic(), step.record().partition(), step.record().offset(), unreadable);
        table.unreadable.add(step.key());
      }
    }
  }

  /**
   * The document line of a change. An object that is not JSON is bad input, not an outage: its parse
   * error (an IOException underneath) must not make the snapshot retry for ever.
   */
  private static byte[] document(String key, ResourceChanged change) {
    try {
      return ResourceDocument.of(key, change).toLine();
    } catch (IllegalArgumentException e) {
      throw new PermanentFailure(e.getMessage(), e);
    }
  }

  /** Decodes one record of the table; null when it is not this snapshot's (another cluster, another namespace). */
  private Step decode(ConsumerRecord<byte[], byte[]> record, String prefix, Predicate<String> wanted, Table table,
      ExecutorService documents) {
    if (record.key() == null) {
      return null; // the table never holds one; nothing to attribute it to
    }
    String key = new String(record.key(), StandardCharsets.UTF_8);
    if (!key.startsWith(prefix)) {
      return null;
    }
    Instant time = Instant.ofEpochMilli(record.timestamp());
    if (table.latestChange == null || time.isAfter(table.latestChange)) {
      table.latestChange = time;
    }
    String namespace;
    try {
      namespace = ResourceDocument.namespaceOfKey(key);
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (!wanted.test(namespace)) {
      return null;
    }
    if (record.value() == null) {
      return new Step(key, record, null, null);
    }
    try {
      Object value = deserializer.decode(record.topic(), record.partition(), record.offset(), record.value());
      if (!(value instanceof ResourceChanged change)) {
        throw new IllegalArgumentException("not a ResourceChanged: " + (value == null ? null : value.getClass().getName()));
      }
      if (change.getType() == ChangeType.DELETED) {
        return new Step(key, record, null, null);
      }
      return new Step(key, record, documents.submit(() -> document(key, change)), null);
    } catch (RuntimeException e) {
      if (ErrorClassifier.isRetriable(e)) {
        throw e;
      }
      return new Step(key, record, null, ErrorClassifier.describe(e));
    }
  }
}
