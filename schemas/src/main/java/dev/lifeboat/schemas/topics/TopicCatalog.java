package dev.lifeboat.schemas.topics;

import dev.lifeboat.commands.v1.Command;
import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.ChangeLogSegmentArchived;
import dev.lifeboat.events.v1.ChangeLogSegmentReplicated;
import dev.lifeboat.events.v1.ReplicationFailed;
import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotFailed;
import dev.lifeboat.events.v1.SnapshotReplicated;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.events.v1.SnapshotVerified;
import dev.lifeboat.events.v1.VerificationRequested;
import dev.lifeboat.events.v1.VolumeEventObserved;
import dev.lifeboat.schemas.topics.TopicSpec.CleanupPolicy;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;

/**
 * Every topic of Lifeboat's contract, in code. Topics that carry several kinds of event (snapshots,
 * replications) have a union value schema, so one subject per topic (TopicNameStrategy) serves any
 * Confluent-compatible consumer.
 */
public final class TopicCatalog {
  private static final Duration WEEK = Duration.ofDays(7);
  private static final Duration MONTH = Duration.ofDays(30);
  private static final Duration YEAR = Duration.ofDays(365);
  private static final String IDENTITY = "resource identity cluster/namespace/group/kind/name";

  /**
   * The largest record Lifeboat produces, with room to spare: a Kubernetes object may be up to ~1.5
   * MiB (etcd's request limit), a sealed Secret grows by a third (base64 of its ciphertext), and a
   * record carries the object's JSON plus its envelope. The topics that carry whole objects (and the
   * dead-letter topic, which copies any record) take records this large; every producer may send them
   * ({@code max.request.size}); consumers fetch them whatever their fetch sizes (Kafka returns a batch
   * larger than the fetch limit when it is the first one). See DESIGN.md.
   */
  public static final int MAX_RECORD_BYTES = 8 * 1024 * 1024;

  private static final TopicCatalog DEFAULT = new TopicCatalog(List.of(
      new TopicSpec(Topics.RESOURCE_CHANGES, IDENTITY, ResourceChanged.getClassSchema(), 6,
          CleanupPolicy.DELETE, WEEK, "Every change of every watched Kubernetes object.").withMaxMessageBytes(MAX_RECORD_BYTES),
      new TopicSpec(Topics.RESOURCE_STATE, IDENTITY, ResourceChanged.getClassSchema(), 6,
          CleanupPolicy.COMPACT, null, "The latest state of every object; a tombstone when deleted.")
          .withMaxMessageBytes(MAX_RECORD_BYTES),
      new TopicSpec(Topics.VOLUME_EVENTS, "PVC uid", VolumeEventObserved.getClassSchema(), 3,
          CleanupPolicy.DELETE, WEEK, "Lifecycle facts about persistent volumes."),
      new TopicSpec(Topics.SNAPSHOT_REQUESTS, "target id", SnapshotRequested.getClassSchema(), 3,
          CleanupPolicy.DELETE, WEEK, "Requests for resource, etcd and volume snapshots."),
      new TopicSpec(Topics.SNAPSHOTS, "snapshot id (segment key for archived change-log segments)",
          // New branches go last: a union that gains a branch stays BACKWARD compatible.
          union(SnapshotCompleted.getClassSchema(), SnapshotFailed.getClassSchema(),
              ChangeLogSegmentArchived.getClassSchema()), 3,
          CleanupPolicy.DELETE, YEAR, "Snapshots completed or failed, and change-log segments archived."),
      new TopicSpec(Topics.REPLICATIONS, "snapshot id (segment key) + target store; request id for verification requests",
          // New branches go last: a union that gains a branch stays BACKWARD compatible.
          union(SnapshotReplicated.getClassSchema(), ReplicationFailed.getClassSchema(),
              ChangeLogSegmentReplicated.getClassSchema(), VerificationRequested.getClassSchema()), 3,
          CleanupPolicy.DELETE, YEAR, "Snapshots and change-log segments copied to off-region stores, or not; and the"
              + " verifications of such copies that commands ask for."),
      new TopicSpec(Topics.VERIFICATIONS, "snapshot id", SnapshotVerified.getClassSchema(), 3,
          CleanupPolicy.DELETE, YEAR, "Proof that snapshots restore."),
      new TopicSpec(Topics.COMMANDS, "command id", Command.getClassSchema(), 1,
          CleanupPolicy.DELETE, MONTH, "Operators' commands: Restore, SnapshotNow, VerifyNow, Cancel."),
      new TopicSpec(Topics.AUDIT, "correlation id", AuditEvent.getClassSchema(), 3,
          CleanupPolicy.DELETE, YEAR, "Every command, restore, failure and proof."),
      new TopicSpec(Topics.DLQ, "original key", null, 1,
          CleanupPolicy.DELETE, MONTH, "Records no worker could process, raw, with headers saying where they came from and why.")
          .withMaxMessageBytes(MAX_RECORD_BYTES)));

  private final Map<String, TopicSpec> topics = new LinkedHashMap<>();

  public TopicCatalog(Collection<TopicSpec> specs) {
    for (TopicSpec spec : specs) {
      if (topics.put(spec.name(), spec) != null) {
        throw new IllegalArgumentException("topic " + spec.name() + " is declared twice");
      }
    }
  }

  /** The contract as ARCHITECTURE.md describes it. */
  public static TopicCatalog standard() {
    return DEFAULT;
  }

  public Collection<TopicSpec> all() {
    return topics.values();
  }

  public Optional<TopicSpec> find(String topic) {
    return Optional.ofNullable(topics.get(topic));
  }

  public TopicSpec get(String topic) {
    TopicSpec spec = topics.get(topic);
    if (spec == null) {
      throw new IllegalArgumentException("unknown topic '" + topic + "'; known: " + topics.keySet());
    }
    return spec;
  }

  /** The value schema of a topic, if the topic is in the catalog and carries Avro values. */
  public Optional<Schema> valueSchema(String topic) {
    return find(topic).flatMap(TopicSpec::schema);
  }

  private static Schema union(Schema... branches) {
    return Schema.createUnion(branches);
  }
}
