package dev.lifeboat.cli.client;

import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.events.v1.ChangeLogSegmentArchived;
import dev.lifeboat.events.v1.ChangeLogSegmentReplicated;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotReplicated;
import dev.lifeboat.events.v1.SnapshotVerified;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.blob.BlobStores;
import dev.lifeboat.repository.changelog.ChangeLogEntry;
import dev.lifeboat.repository.changelog.SegmentFormat;
import dev.lifeboat.repository.changelog.SegmentRef;
import dev.lifeboat.repository.changelog.SegmentStore;
import dev.lifeboat.repository.check.CheckProgress;
import dev.lifeboat.runtime.DeadLetterPublisher;
import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.topics.TopicReader;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.kube.ScratchInventory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The promises that span components, checked against what the topics say happened:
 *
 * <ul>
 *   <li>every {@code SnapshotCompleted} has its manifest in the primary store, and every {@code
 *       SnapshotReplicated} in the store it names (a snapshot completed before the last garbage
 *       collection may have been removed by retention: counted, not a problem);
 *   <li>every change of this cluster on {@code lifeboat.resource-changes} up to the archived offset of
 *       its partition is in a change-log segment of the primary, and up to the replicated offset in
 *       each off-region store (how far each store lags is noted); dead-lettered changes excepted;
 *   <li>no scratch namespace or directory is left behind by a verification that ended or by a
 *       verifier process that stopped ({@link ScratchCheck});
 *   <li>how many records {@code lifeboat.dlq} holds, by the topic they came from.
 * </ul>
 *
 * Only reads: the topics from their beginning to their ends of the moment, and the stores' listings
 * and segments, and the scratch namespaces and directories.
 */
public final class PipelineCheck {
  private final Connection connection;
  private final ScratchInventory scratch;
  private final CheckProgress progress;
  private final AvroDeserializer<Object> deserializer;
  private final PipelineReport report = new PipelineReport();

  private final Map<String, Instant> completed = new HashMap<>();
  private final Map<String, Set<String>> replicated = new HashMap<>();
  private final Map<Integer, Long> archived = new TreeMap<>();
  private final Map<String, Map<Integer, Long>> segmentsReplicated = new HashMap<>();
  private final Map<Integer, Set<Long>> deadLettered = new HashMap<>();
  private final List<String> verifiedInto = new ArrayList<>();
  private Instant lastCollection;
  private Instant verifierStarted;

  /** @param scratch where the verifier restores to, its leftovers looked for; null: not looked for (noted) */
  public PipelineCheck(Connection connection, ScratchInventory scratch, CheckProgress progress) {
    this.connection = connection;
    this.scratch = scratch;
    this.progress = progress;
    this.deserializer = new AvroDeserializer<>(connection.registry());
  }

  public PipelineReport run() {
    try (TopicReader reader = connection.kafka().topicReader("lifeboat-check", "the pipeline check")) {
      read(reader, Topics.SNAPSHOTS);
      read(reader, Topics.REPLICATIONS);
      read(reader, Topics.AUDIT);
      read(reader, Topics.VERIFICATIONS);
      readDeadLetters(reader);
      checkManifests();
      checkChangeLog(reader);
    }
    if (scratch == null) {
      report.note("scratch namespaces and directories were not looked for");
    } else {
      progress.at("list scratch namespaces and directories", 0, 1);
      new ScratchCheck(scratch, report).run(verifiedInto, verifierStarted, Instant.now());
      progress.at("list scratch namespaces and directories", 1, 1);
    }
    return report;
  }

  private void read(TopicReader reader, String topic) {
    progress.at("read " + topic, 0, 1);
    reader.readToEnd(topic, r -> {
      Object value;
      try {
        value = deserializer.decode(r.topic(), r.partition(), r.offset(), r.value());
      } catch (RuntimeException e) {
        report.count("undecodable records", 1);
        return;
      }
      if (value instanceof SnapshotCompleted c && ours(c.getHeader())) {
        completed.put(c.getManifestKey(), c.getHeader().getTime());
      } else if (value instanceof SnapshotReplicated s && ours(s.getHeader())) {
        replicated.computeIfAbsent(s.getStore(), k -> new HashSet<>()).add(s.getManifestKey());
      } else if (value instanceof ChangeLogSegmentArchived a && a.getCluster().equals(connection.cluster())) {
        archived.merge(a.getPartition(), a.getLastOffset(), Math::max);
      } else if (value instanceof ChangeLogSegmentReplicated s && s.getCluster().equals(connection.cluster())) {
        segmentsReplicated.computeIfAbsent(s.getStore(), k -> new TreeMap<>()).merge(s.getPartition(), s.getLastOffset(), Math::max);
      } else if (value instanceof SnapshotVerified v && ours(v.getHeader())) {
        verifiedInto.add(v.getScratchTarget());
      } else if (value instanceof AuditEvent e && ours(e.getHeader())
          && e.getAction().equals(AuditActions.COMPONENT + AuditActions.START) && e.getSubject().equals("verifier")) {
        Instant at = e.getHeader().getTime();
        verifierStarted = verifierStarted == null || at.isAfter(verifierStarted) ? at : verifierStarted;
      } else if (value instanceof AuditEvent e && ours(e.getHeader()) && e.getAction().equals(AuditActions.REPOSITORY_GC)
          && (e.getOutcome() == AuditOutcome.SUCCEEDED || e.getOutcome() == AuditOutcome.PARTIALLY_FAILED)) {
        Instant at = e.getHeader().getTime();
        lastCollection = lastCollection == null || at.isAfter(lastCollection) ? at : lastCollection;
      }
    });
    progress.at("read " + topic, 1, 1);
  }

  /** Whether an event is about the cluster this check is for (one Kafka may serve several). */
  private boolean ours(dev.lifeboat.events.v1.Header header) {
    return header.getCluster().equals(connection.cluster());
  }

  private void readDeadLetters(TopicReader reader) {
    Map<String, Long> byTopic = new TreeMap<>();
    reader.readToEnd(Topics.DLQ, r -> {
      String topic = header(r, DeadLetterPublisher.HEADER_TOPIC);
      byTopic.merge(topic == null ? "?" : topic, 1L, Long::sum);
      String partition = header(r, DeadLetterPublisher.HEADER_PARTITION);
      String offset = header(r, DeadLetterPublisher.HEADER_OFFSET);
      if (Topics.RESOURCE_CHANGES.equals(topic) && partition != null && offset != null) {
        deadLettered.computeIfAbsent(Integer.parseInt(partition), p -> new HashSet<>()).add(Long.parseLong(offset));
      }
    });
    long total = byTopic.values().stream().mapToLong(Long::longValue).sum();
    report.count("dead letters", total);
    if (total > 0) {
      report.note(Topics.DLQ + " holds " + total + " records, by the topic they came from: " + byTopic
          + " (each has its audit event; `lifeboat audit` shows why)");
    }
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private void checkManifests() {
    List<StoreConfig> stores = connection.stores();
    report.count("snapshots completed", completed.size());
    Set<String> primary = manifests(stores.get(0));
    long retained = 0;
    for (Map.Entry<String, Instant> c : completed.entrySet()) {
      if (!primary.contains(c.getKey())) {
        if (lastCollection != null && !c.getValue().isAfter(lastCollection)) {
          retained++;
        } else {
          report.problem("store " + stores.get(0).name(), "the manifest " + c.getKey() + " of a completed snapshot is missing");
        }
      }
    }
    if (retained > 0) {
      report.note(retained + " snapshots completed before the last garbage collection (" + lastCollection
          + ") are no longer in the primary store: retention removed them");
    }
    for (StoreConfig store : stores.subList(1, stores.size())) {
      Set<String> copies = replicated.getOrDefault(store.name(), Set.of());
      report.count("copies to " + store.name(), copies.size());
      Set<String> there = manifests(store);
      copies.stream().filter(key -> !there.contains(key) && !retainedAway(key)).sorted().forEach(key ->
          report.problem("store " + store.name(), "the manifest " + key + " reported as copied is missing"));
    }
  }

  private boolean retainedAway(String key) {
    Instant at = completed.get(key);
    return at != null && lastCollection != null && !at.isAfter(lastCollection);
  }

  private Set<String> manifests(StoreConfig store) {
    Set<String> keys = new HashSet<>();
    BlobStores.open(store, new SimpleMeterRegistry()).list("manifests/", info -> keys.add(info.key()));
    return keys;
  }

  private void checkChangeLog(TopicReader reader) {
    if (connection.masterKey() == null) {
      report.note("the change log was not compared: it needs the repository's master key");
      return;
    }
    // this cluster's changes up to the archived offset of their partition, dead letters left out
    Map<Integer, TreeSet<Long>> expected = new TreeMap<>();
    String prefix = connection.cluster() + "/";
    reader.readToEnd(Topics.RESOURCE_CHANGES, r -> {
      Long bound = archived.get(r.partition());
      if (bound != null && r.offset() <= bound && r.key() != null
          && new String(r.key(), StandardCharsets.UTF_8).startsWith(prefix)
          && !deadLettered.getOrDefault(r.partition(), Set.of()).contains(r.offset())) {
        expected.computeIfAbsent(r.partition(), p -> new TreeSet<>()).add(r.offset());
      }
    });
    report.count("changes archived", expected.values().stream().mapToLong(Set::size).sum());
    List<StoreConfig> stores = connection.stores();
    for (int i = 0; i < stores.size(); i++) {
      StoreConfig store = stores.get(i);
      Map<Integer, Long> bounds = i == 0 ? archived : segmentsReplicated.getOrDefault(store.name(), Map.of());
      if (i > 0) {
        archived.forEach((p, last) -> {
          long copied = bounds.getOrDefault(p, -1L);
          if (copied < last) {
            report.note("store " + store.name() + ": the change log of partition " + p + " is copied up to offset " + copied
                + " of " + last + " archived");
          }
        });
      }
      compare(store, expected, bounds);
    }
  }

  private void compare(StoreConfig store, Map<Integer, TreeSet<Long>> expected, Map<Integer, Long> bounds) {
    BlobStore blobs = BlobStores.open(store, new SimpleMeterRegistry());
    SegmentStore segments;
    try {
      segments = SegmentStore.open(blobs, connection.masterKey(), blobs.describe());
    } catch (RuntimeException e) {
      report.problem("store " + store.name(), "its repository cannot be opened: " + e.getMessage());
      return;
    }
    expected.forEach((partition, offsets) -> {
      long bound = bounds.getOrDefault(partition, -1L);
      Set<Long> wanted = offsets.headSet(bound, true);
      if (wanted.isEmpty()) {
        return;
      }
      long from = offsets.first();
      Set<Long> present = new HashSet<>();
      for (SegmentRef ref : segments.list(connection.cluster(), partition)) {
        if (ref.lastOffset() >= from && ref.firstOffset() <= bound) {
          try {
            segments.read(ref.key()).ifPresent(plain -> SegmentFormat.read(plain).entries().stream()
                .map(ChangeLogEntry::offset).forEach(present::add));
          } catch (RuntimeException e) {
            report.problem("store " + store.name(), "segment " + ref.key() + " cannot be read: " + e.getMessage());
          }
        }
      }
      List<Long> missing = wanted.stream().filter(o -> !present.contains(o)).toList();
      if (!missing.isEmpty()) {
        report.problem("store " + store.name(), missing.size() + " of the " + wanted.size() + " changes of partition "
            + partition + " up to offset " + bound + " are in no change-log segment (the first at offset " + missing.get(0) + ")");
      }
    });
  }
}
