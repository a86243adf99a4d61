package dev.lifeboat.bench.chaos;

import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.ChangeLogSegmentArchived;
import dev.lifeboat.events.v1.ChangeLogSegmentReplicated;
import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotFailed;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotReplicated;
import dev.lifeboat.events.v1.SnapshotVerified;
import dev.lifeboat.runtime.DeadLetterPublisher;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.schemas.registry.SchemaRegistry;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.topics.TopicReader;
import dev.lifeboat.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

/**
 * What the topics say happened, read from their beginning to their ends of the moment: the facts the
 * chaos run counts and waits for.
 */
final class Observations implements AutoCloseable {
  final List<SnapshotCompleted> completed = new ArrayList<>();
  final List<SnapshotFailed> failed = new ArrayList<>();
  final Set<String> replicatedOffsite = new HashSet<>();
  final Map<Integer, Long> archived = new HashMap<>();
  final Map<Integer, Long> segmentsOffsite = new HashMap<>();
  final List<SnapshotVerified> verified = new ArrayList<>();
  final List<AuditEvent> audit = new ArrayList<>();
  /** topic -> "partition@offset" of every record dead-lettered from it. */
  final Map<String, Set<String>> deadLettered = new HashMap<>();
  final Set<String> changedNames = new HashSet<>();

  private final TopicReader reader;
  private final AvroDeserializer<Object> deserializer;
  private final String cluster;
  private final Map<String, Map<TopicPartition, Long>> next = new HashMap<>();

  /** Reads nothing yet: {@link #refresh} reads what arrived since the last refresh. */
  Observations(KafkaClients kafka, SchemaRegistry registry, String cluster) {
    this.reader = kafka.topicReader("lifeboat-chaos", "the chaos run's observations");
    this.deserializer = new AvroDeserializer<>(registry);
    this.cluster = cluster;
  }

  /** Reads every topic from where the last refresh stopped to its end of now. */
  synchronized Observations refresh() {
    for (String topic : List.of(Topics.SNAPSHOTS, Topics.REPLICATIONS, Topics.VERIFICATIONS, Topics.AUDIT, Topics.RESOURCE_CHANGES)) {
      read(topic, r -> {
        Object value;
        try {
          value = deserializer.decode(r.topic(), r.partition(), r.offset(), r.value());
        } catch (RuntimeException e) {
          return; // the run's own garbage
        }
        take(value, cluster);
      });
    }
    read(Topics.DLQ, r -> {
      Header topic = r.headers().lastHeader(DeadLetterPublisher.HEADER_TOPIC);
      Header partition = r.headers().lastHeader(DeadLetterPublisher.HEADER_PARTITION);
      Header offset = r.headers().lastHeader(DeadLetterPublisher.HEADER_OFFSET);
      if (topic != null && partition != null && offset != null) {
        deadLettered.computeIfAbsent(text(topic), t -> new HashSet<>()).add(text(partition) + "@" + text(offset));
      }
    });
    return this;
  }

  private void read(String topic, TopicReader.RecordCallback<RuntimeException> each) {
    Map<TopicPartition, Long> from = next.get(topic);
    TopicReader.Progress read = from == null ? reader.readToEnd(topic, each) : reader.readToEnd(from, each);
    next.put(topic, new HashMap<>(read.ends()));
  }

  /** What was completed and archived up to now, to compare a later state with. */
  synchronized Moment moment() {
    return new Moment(completed.stream().map(SnapshotCompleted::getManifestKey).collect(java.util.stream.Collectors.toSet()),
        Map.copyOf(archived));
  }

  record Moment(Set<String> completed, Map<Integer, Long> archived) {}

  @Override
  public void close() {
    reader.close();
  }

  private void take(Object value, String cluster) {
    if (value instanceof SnapshotCompleted c && c.getHeader().getCluster().equals(cluster)) {
      completed.add(c);
    } else if (value instanceof SnapshotFailed f && f.getHeader().getCluster().equals(cluster)) {
      failed.add(f);
    } else if (value instanceof SnapshotReplicated s && s.getStore().equals("offsite")) {
      replicatedOffsite.add(s.getManifestKey());
    } else if (value instanceof ChangeLogSegmentArchived a && a.getCluster().equals(cluster)) {
      archived.merge(a.getPartition(), a.getLastOffset(), Math::max);
    } else if (value instanceof ChangeLogSegmentReplicated s && s.getCluster().equals(cluster) && s.getStore().equals("offsite")) {
      segmentsOffsite.merge(s.getPartition(), s.getLastOffset(), Math::max);
    } else if (value instanceof SnapshotVerified v) {
      verified.add(v);
    } else if (value instanceof AuditEvent e) {
      audit.add(e);
    } else if (value instanceof ResourceChanged c) {
      changedNames.add(c.getName());
    }
  }

  private static String text(Header h) {
    return new String(h.value(), StandardCharsets.UTF_8);
  }

  /** Whether everything completed and archived at {@code then} has reached the off-region store. */
  synchronized boolean offsiteCaughtUp(Moment then) {
    boolean snapshots = replicatedOffsite.containsAll(then.completed());
    boolean segments = then.archived().entrySet().stream()
        .allMatch(e -> segmentsOffsite.getOrDefault(e.getKey(), -1L) >= e.getValue());
    return snapshots && segments;
  }

  long completedOfKindAfter(SnapshotKind kind, Instant after) {
    return completed.stream().filter(c -> c.getKind() == kind && c.getHeader().getTime().isAfter(after)).count();
  }

  long auditCount(String action, Instant after) {
    return audit.stream().filter(e -> e.getAction().equals(action) && e.getHeader().getTime().isAfter(after)).count();
  }

  /** Whether a command was answered with an outcome after which nothing more is said. */
  boolean answered(String commandId) {
    return audit.stream().anyMatch(e -> commandId.equals(e.getHeader().getCorrelationId()) && AuditActions.isCommandEvent(e)
        && AuditActions.isTerminal(e.getOutcome()));
  }

  void forEachAudit(Consumer<AuditEvent> each) {
    audit.forEach(each);
  }
}
