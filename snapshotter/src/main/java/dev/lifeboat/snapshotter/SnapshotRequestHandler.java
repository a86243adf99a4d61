package dev.lifeboat.snapshotter;

import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotFailed;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.ManifestStore;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.resources.ResourceSnapshots;
import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.runtime.InboundRecord;
import dev.lifeboat.runtime.Outputs;
import dev.lifeboat.runtime.RecordHandler;
import dev.lifeboat.schemas.topics.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code lifeboat.snapshot-requests}: takes the snapshot the request asks for and publishes
 * {@code SnapshotCompleted} or, when it cannot be taken, {@code SnapshotFailed} with the reason, to
 * {@code lifeboat.snapshots}, with audit events. Requests are keyed by target, so one target's
 * requests are served one after another; a request made before a snapshot of the same target
 * started is already covered by it and is coalesced. A retriable failure (store or etcd down) is
 * thrown back to the runtime, which retries while the request stays on Kafka.
 */
public final class SnapshotRequestHandler implements RecordHandler<SnapshotRequested> {
  private static final Logger log = LoggerFactory.getLogger(SnapshotRequestHandler.class);

  /** Takes one kind of snapshot. */
  public interface Source {
    /** The snapshot, or a permanent failure (PermanentFailure) saying why it cannot be taken. */
    Taken take(SnapshotRequested request, String snapshotId) throws Exception;
  }

  /**
   * What a source produced.
   *
   * @param totalBytes the logical size of what was snapshotted when the manifest's files and streams
   *     do not tell it (a CSI snapshot's data stays with the storage); empty: counted from them
   */
  public record Taken(Manifest manifest, ManifestStore.Written written, long newChunks, long newBytes,
      OptionalLong totalBytes) {
    /** Sized by the manifest's files and streams. */
    public Taken(Manifest manifest, ManifestStore.Written written, long newChunks, long newBytes) {
      this(manifest, written, newChunks, newBytes, OptionalLong.empty());
    }
  }

  private final Map<SnapshotKind, Source> sources;
  private final Repository repository;
  private final EventFactory events;
  private final AuditPublisher audit;
  private final Clock clock;
  private final Map<String, Instant> lastStarted = new ConcurrentHashMap<>();
  private java.util.function.Predicate<SnapshotRequested> serves = request -> true;

  public SnapshotRequestHandler(Map<SnapshotKind, Source> sources, Repository repository, EventFactory events,
      AuditPublisher audit, Clock clock) {
    this.sources = Map.copyOf(sources);
    this.repository = repository;
    this.events = events;
    this.audit = audit;
    this.clock = clock;
  }

  /** Serve only the requests {@code filter} accepts (a node agent: its own node's volumes); others are left to their server. */
  public SnapshotRequestHandler servingOnly(java.util.function.Predicate<SnapshotRequested> filter) {
    this.serves = filter;
    return this;
  }

  @Override
  public void handle(InboundRecord<SnapshotRequested> record, Outputs outputs) throws Exception {
    SnapshotRequested request = record.value();
    // The topics may be shared by the Lifeboats of several clusters: another cluster's request is its own
    // snapshotter's (its targets are not in this cluster, its snapshots not for this repository).
    if (!events.cluster().equals(request.getHeader().getCluster()) || !serves.test(request)) {
      return;
    }
    String target = request.getKind() + "/" + request.getTarget();
    Instant started = lastStarted.get(target);
    if (started != null && request.getHeader().getTime().isBefore(started)) {
      audit.event(AuditActions.SNAPSHOT_COALESCED, target, AuditOutcome.INFO).correlationId(request.getRequestId())
          .reason("a snapshot of " + target + " that started after this request already covers it").publish();
      return;
    }
    Source source = sources.get(request.getKind());
    String snapshotId = SnapshotIds.next(clock);
    Instant begin = clock.instant();
    if (source == null) {
      fail(outputs, request, snapshotId, begin, "this snapshotter takes no " + request.getKind() + " snapshots "
          + "(kinds it takes: " + sources.keySet() + ")", false);
      return;
    }
    audit.event(AuditActions.SNAPSHOT_START, target, AuditOutcome.STARTED).correlationId(request.getRequestId())
        .detail("snapshotId", snapshotId).publish();
    Taken taken;
    try {
      // learn what other writers stored and what garbage collection plans to delete (not to be reused)
      repository.chunks().refresh();
      taken = source.take(request, snapshotId);
    } catch (Exception e) {
      if (ErrorClassifier.isRetriable(e)) {
        log.warn("{} snapshot of {} failed, will retry: {}", request.getKind(), request.getTarget(), ErrorClassifier.describe(e));
        throw e;
      }
      fail(outputs, request, snapshotId, begin, ErrorClassifier.describe(e), false);
      return;
    }
    lastStarted.put(target, begin);
    Manifest m = taken.manifest();
    long total = 0;
    long chunks = 0;
    long items = 0;
    if (m.streams() != null) {
      for (Manifest.Stream s : m.streams()) {
        total += s.size();
        chunks += s.chunks().size();
      }
      items += m.streams().size();
    }
    long failed = 0;
    if (m.files() != null) {
      for (Manifest.FileEntry f : m.files()) {
        total += f.size();
        chunks += f.chunks() == null ? 0 : f.chunks().size();
        failed += f.error() == null ? 0 : 1;
      }
      items = m.files().size();
    }
    total = taken.totalBytes().orElse(total);
    Map<String, String> details = new HashMap<>(m.details() == null ? Map.of() : m.details());
    if (details.containsKey(ResourceSnapshots.OBJECTS)) { // a resource snapshot counts objects, not streams
      items = Long.parseLong(details.get(ResourceSnapshots.OBJECTS));
      failed = Long.parseLong(details.getOrDefault(ResourceSnapshots.UNREADABLE_OBJECTS, "0"));
    }
    SnapshotCompleted completed = SnapshotCompleted.newBuilder()
        .setHeader(events.header(request.getRequestId()))
        .setSnapshotId(snapshotId).setRequestId(request.getRequestId()).setKind(request.getKind()).setTarget(request.getTarget())
        .setPhase(m.phase() == SnapshotPhase.PARTIALLY_FAILED ? SnapshotPhase.PARTIALLY_FAILED : SnapshotPhase.COMPLETED)
        .setRepository(repository.describe()).setManifestKey(taken.written().key()).setManifestSha256(taken.written().sha256())
        .setParentSnapshotId(m.parent()).setTotalBytes(total).setNewBytes(taken.newBytes()).setChunkCount(chunks)
        .setNewChunkCount(taken.newChunks()).setItemCount(items).setFailedItemCount(failed)
        .setStartedAt(begin).setDurationMillis(Duration.between(begin, clock.instant()).toMillis()).setDetails(details)
        .build();
    outputs.send(Topics.SNAPSHOTS, snapshotId, completed);
    audit.event(AuditActions.SNAPSHOT_COMPLETED, target, failed > 0 ? AuditOutcome.PARTIALLY_FAILED : AuditOutcome.SUCCEEDED)
        .correlationId(request.getRequestId()).detail("snapshotId", snapshotId).detail("bytes", total)
        .detail("newBytes", taken.newBytes()).detail("failedItems", failed).publish();
  }

  private void fail(Outputs outputs, SnapshotRequested request, String snapshotId, Instant begin, String reason, boolean retriable) {
    log.warn("{} snapshot of {} failed: {}", request.getKind(), request.getTarget(), reason);
    outputs.send(Topics.SNAPSHOTS, snapshotId, SnapshotFailed.newBuilder()
        .setHeader(events.header(request.getRequestId()))
        .setSnapshotId(snapshotId).setRequestId(request.getRequestId()).setKind(request.getKind()).setTarget(request.getTarget())
        .setReason(reason).setRetriable(retriable).setStartedAt(begin)
        .setDurationMillis(Duration.between(begin, clock.instant()).toMillis()).build());
    audit.event(AuditActions.SNAPSHOT_FAILED, request.getKind() + "/" + request.getTarget(), AuditOutcome.FAILED)
        .correlationId(request.getRequestId()).reason(reason).detail("snapshotId", snapshotId).publish();
  }
}
