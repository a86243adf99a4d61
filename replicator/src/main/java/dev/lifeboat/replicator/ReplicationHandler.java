package dev.lifeboat.replicator;

import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.events.v1.ChangeLogSegmentArchived;
import dev.lifeboat.events.v1.ChangeLogSegmentReplicated;
import dev.lifeboat.events.v1.ReplicationFailed;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotReplicated;
import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.retry.RetriableFailure;
import dev.lifeboat.runtime.InboundRecord;
import dev.lifeboat.runtime.Outputs;
import dev.lifeboat.runtime.RecordHandler;
import dev.lifeboat.schemas.topics.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Serves {@code lifeboat.snapshots} for one target store: copies each completed snapshot and produces
 * {@code SnapshotReplicated}, and each archived change-log segment ({@code ChangeLogSegmentArchived})
 * and produces {@code ChangeLogSegmentReplicated}. A merged segment (its event names what it {@code
 * replaces}) is copied and checked first, then the copies of the segments it replaces are removed
 * from the store; a segment merged away before it could be copied is passed over when the source
 * holds a segment covering it (copied on that segment's own event). Or {@code ReplicationFailed} when the event's
 * objects cannot be copied (missing from the source, damaged, an invalid key), with an
 * audit event; both are outputs, so they are committed with the input's offset. A store that fails or
 * refuses (down, throttling, bad credentials) is a retriable failure: the event stays on Kafka and the
 * runtime retries it with backoff, pausing this store's work only.
 */
final class ReplicationHandler implements RecordHandler<Object> {
  private static final Logger log = LoggerFactory.getLogger(ReplicationHandler.class);

  private final String store;
  private final RepositoryCopier copier;
  private final ReplicationStatus status;
  private final EventFactory events;
  private final AuditPublisher audit;
  private final Clock clock;

  ReplicationHandler(String store, RepositoryCopier copier, ReplicationStatus status, EventFactory events, AuditPublisher audit) {
    this.store = store;
    this.copier = copier;
    this.status = status;
    this.events = events;
    this.audit = audit;
    this.clock = events.clock();
  }

  @Override
  public void handle(InboundRecord<Object> record, Outputs outputs) {
    Object value = record.value();
    // The topics may be shared by the Lifeboats of several clusters: another cluster's snapshots and
    // segments are in its own repository, copied by its own replicator.
    if (value instanceof SnapshotCompleted completed && !events.cluster().equals(completed.getHeader().getCluster())
        || value instanceof ChangeLogSegmentArchived archived && !events.cluster().equals(archived.getCluster())) {
      return;
    }
    if (value instanceof SnapshotCompleted completed) {
      MDC.put("snapshotId", completed.getSnapshotId());
      try {
        snapshot(record.partition(), completed, outputs);
      } finally {
        MDC.remove("snapshotId");
      }
    } else if (value instanceof ChangeLogSegmentArchived archived) {
      MDC.put("segmentKey", archived.getSegmentKey());
      try {
        segment(record.partition(), archived, outputs);
      } finally {
        MDC.remove("segmentKey");
      }
    }
    // SnapshotFailed and anything newer: nothing to copy
  }

  private void snapshot(int partition, SnapshotCompleted completed, Outputs outputs) {
    String id = completed.getSnapshotId();
    Instant completedAt = completed.getStartedAt().plusMillis(completed.getDurationMillis());
    String correlation = completed.getRequestId() != null ? completed.getRequestId() : id;
    status.started(partition, completedAt);
    Instant begin = clock.instant();
    RepositoryCopier.Result result;
    try {
      result = copier.copySnapshot(completed.getManifestKey(), completed.getManifestSha256());
    } catch (RuntimeException e) {
      failed(partition, outputs, id, correlation, completed.getManifestKey(), e);
      return;
    }
    Instant now = clock.instant();
    long lag = Duration.between(completedAt, now).toMillis();
    outputs.send(Topics.REPLICATIONS, id + "/" + store, SnapshotReplicated.newBuilder().setHeader(events.header(correlation))
        .setSnapshotId(id).setKind(completed.getKind()).setTarget(completed.getTarget()).setStore(store)
        .setManifestKey(completed.getManifestKey()).setBytesCopied(result.bytesCopied())
        .setObjectsCopied(result.objectsCopied()).setObjectsSkipped(result.objectsSkipped())
        .setSnapshotCompletedAt(completedAt).setLagMillis(lag).setDurationMillis(Duration.between(begin, now).toMillis())
        .build());
    outputs.send(Topics.AUDIT, correlation, audit.event(AuditActions.REPLICATION_COMPLETED, "snapshot " + id + " to " + store,
        AuditOutcome.SUCCEEDED).correlationId(correlation).detail("snapshotId", id).detail("store", store)
        .detail("bytesCopied", result.bytesCopied()).detail("objectsCopied", result.objectsCopied())
        .detail("objectsSkipped", result.objectsSkipped()).detail("lagMillis", lag).build());
    status.replicated(partition, "snapshot", id, completedAt, null);
    log.info("Snapshot {} is in {}: {} objects ({} bytes) copied, {} already there, {} ms after completion", id, store,
        result.objectsCopied(), result.bytesCopied(), result.objectsSkipped(), lag);
  }

  /** Copies one change-log segment (and the config, if the store lacks it) and reports the copy as what it is. */
  private void segment(int partition, ChangeLogSegmentArchived segment, Outputs outputs) {
    String key = segment.getSegmentKey();
    Instant archivedAt = segment.getHeader().getTime();
    status.started(partition, archivedAt);
    Instant begin = clock.instant();
    RepositoryCopier.Result result;
    try {
      result = copier.copyObject(key, segment.getSegmentSha256());
    } catch (MissingObjectException e) {
      Optional<String> merged = segment.getReplaces().isEmpty() ? coveringSegment(partition, key, outputs) : Optional.empty();
      if (merged.isPresent()) { // merged away before it was copied: the merged segment's own event copies its changes
        log.info("Segment {} is not copied to {}: it was merged into {}, which is copied on its own event", key, store,
            merged.get());
        status.replicated(partition, "segment", key, archivedAt, segment.getLastChangeTime());
        return;
      }
      failed(partition, outputs, key, key, key, e);
      return;
    } catch (RuntimeException e) {
      failed(partition, outputs, key, key, key, e);
      return;
    }
    if (!segment.getReplaces().isEmpty()) { // the merged copy is in place and checked: the copies it replaces may go
      try {
        int removed = copier.removeReplaced(key, segment.getReplaces());
        log.info("Segment {} is in {}; removed the {} segments it was merged from", key, store, removed);
      } catch (RuntimeException e) {
        failed(partition, outputs, key, key, key, e);
        return;
      }
    }
    Instant now = clock.instant();
    outputs.send(Topics.REPLICATIONS, key + "/" + store, ChangeLogSegmentReplicated.newBuilder()
        .setHeader(events.header(key)).setCluster(segment.getCluster()).setPartition(segment.getPartition())
        .setFirstOffset(segment.getFirstOffset()).setLastOffset(segment.getLastOffset())
        .setLastChangeTime(segment.getLastChangeTime()).setRecordCount(segment.getRecordCount()).setSegmentKey(key)
        .setSegmentSha256(segment.getSegmentSha256()).setStore(store).setBytesCopied(result.bytesCopied())
        .setObjectsCopied(result.objectsCopied()).setObjectsSkipped(result.objectsSkipped()).setArchivedAt(archivedAt)
        .setLagMillis(Duration.between(archivedAt, now).toMillis())
        .setDurationMillis(Duration.between(begin, now).toMillis()).build());
    status.replicated(partition, "segment", key, archivedAt, segment.getLastChangeTime());
  }

  /** The source's segment that covers the one that is gone from it; a store failure is retried like a copy's. */
  private Optional<String> coveringSegment(int partition, String key, Outputs outputs) {
    try {
      return copier.coveringSegment(key);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    } catch (RuntimeException e) {
      failed(partition, outputs, key, key, key, e); // a store failure: thrown, the event stays on Kafka
      return Optional.empty();
    }
  }

  /**
   * Reports what can never be copied and passes over it; rethrows store failures (retriable, or a
   * store refusing outright, which waits until its configuration is fixed) so the event stays on Kafka.
   */
  private void failed(int partition, Outputs outputs, String id, String correlation, String eventKey, RuntimeException e) {
    String objectKey;
    String reason;
    if (e instanceof DamagedObjectException damaged) {
      objectKey = damaged.key();
      reason = "damaged";
    } else if (e instanceof MissingObjectException missing) {
      objectKey = missing.key();
      reason = "missing";
    } else if (e instanceof IllegalArgumentException) {
      objectKey = eventKey;
      reason = "invalid";
    } else {
      status.waiting(partition, e);
      if (ErrorClassifier.isRetriable(e)) {
        throw e;
      }
      throw new RetriableFailure("a store refuses the copy of " + id + " to " + store + "; the events wait on Kafka until"
          + " this is fixed: " + ErrorClassifier.describe(e), e);
    }
    String why = e.getMessage();
    if (e instanceof DamagedObjectException && !objectKey.equals(eventKey)) {
      why += "; it was not copied, nor " + eventKey + ", which may need it (everything else was copied)";
    }
    log.warn("{} cannot be copied to {}: {}", id, store, why);
    outputs.send(Topics.REPLICATIONS, id + "/" + store, ReplicationFailed.newBuilder().setHeader(events.header(correlation))
        .setSnapshotId(id).setStore(store).setReason(why).setObjectKey(objectKey).setRetriable(false).build());
    outputs.send(Topics.AUDIT, correlation, audit.event(AuditActions.REPLICATION_FAILED, "snapshot " + id + " to " + store,
        AuditOutcome.FAILED).correlationId(correlation).reason(why).detail("snapshotId", id).detail("store", store)
        .detail("objectKey", objectKey).build());
    status.failed(partition, id, reason, why);
  }
}
