package dev.lifeboat.snapshotter.controlplane;

import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.events.v1.RequestReason;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.controlplane.ControlPlaneSnapshots;
import dev.lifeboat.runtime.InboundRecord;
import dev.lifeboat.runtime.Outputs;
import dev.lifeboat.runtime.RecordHandler;
import dev.lifeboat.runtime.WorkerDefinition;
import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.snapshotter.SnapshotRequestHandler;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent's control-plane duty: follows {@code lifeboat.snapshots} in a consumer group of
 * its own node and, for each etcd snapshot of its cluster that completes, takes a control-plane
 * snapshot of its node ({@link ControlPlaneSource}) naming that etcd snapshot. The snapshot itself is
 * served by a {@link SnapshotRequestHandler}, as any requested one: SnapshotCompleted or
 * SnapshotFailed on {@code lifeboat.snapshots}, audit events, retriable failures thrown back to the
 * runtime, which retries while the record stays on Kafka.
 *
 * <p>An etcd snapshot that a newer one of the same target already follows, or that this node's
 * newest control-plane snapshot already names, is passed over: the first happens when an agent
 * starts on a topic with history (its group begins at the topic's start), the second when a record
 * is delivered again after a crash. See DESIGN.md beside this class.
 */
public final class ControlPlaneFollower implements RecordHandler<Object> {
  private static final Logger log = LoggerFactory.getLogger(ControlPlaneFollower.class);

  private final String nodeName;
  private final String target;
  private final Repository repository;
  private final EventFactory events;
  private final AuditPublisher audit;
  private final SnapshotRequestHandler snapshots;

  public ControlPlaneFollower(String nodeName, ControlPlaneSource source, Repository repository, EventFactory events,
      AuditPublisher audit, Clock clock) {
    this.nodeName = nodeName;
    this.target = ControlPlaneSnapshots.target(nodeName);
    this.repository = repository;
    this.events = events;
    this.audit = audit;
    this.snapshots = new SnapshotRequestHandler(Map.of(SnapshotKind.VOLUME, source), repository, events, audit, clock);
  }

  /** The worker reading {@code snapshotsTopic} in this node's own group, so every agent sees every etcd snapshot. */
  public WorkerDefinition<Object> worker(String snapshotsTopic) {
    return WorkerDefinition.of(workerName(nodeName), snapshotsTopic, this);
  }

  /** The worker's name (its consumer group, after the process's prefix). */
  public static String workerName(String nodeName) {
    return "snapshotter-control-plane-" + nodeName;
  }

  @Override
  public void handle(InboundRecord<Object> record, Outputs outputs) throws Exception {
    if (!(record.value() instanceof SnapshotCompleted etcd) || etcd.getKind() != SnapshotKind.ETCD
        || !events.cluster().equals(etcd.getHeader().getCluster())) {
      return;
    }
    String etcdId = etcd.getSnapshotId();
    List<String> etcdKeys = repository.manifests().list(SnapshotKind.ETCD, etcd.getTarget());
    Optional<String> newer = etcdKeys.stream().map(k -> k.substring(k.lastIndexOf('/') + 1))
        .filter(id -> id.compareTo(etcdId) > 0).reduce((a, b) -> b);
    if (newer.isPresent()) {
      audit.event(AuditActions.SNAPSHOT_COALESCED, SnapshotKind.VOLUME + "/" + target, AuditOutcome.INFO)
          .correlationId(etcd.getRequestId()).detail(ControlPlaneSnapshots.ETCD_SNAPSHOT_ID, etcdId)
          .reason("etcd snapshot " + newer.get() + " is newer; the control-plane snapshot goes beside it").publish();
      return;
    }
    Optional<String> named = repository.manifests().latest(SnapshotKind.VOLUME, target).map(Manifest::details)
        .flatMap(ControlPlaneSnapshots::etcdSnapshotId);
    if (named.isPresent() && named.get().compareTo(etcdId) >= 0) {
      log.debug("The control-plane snapshot of {} beside etcd snapshot {} was taken already", nodeName, etcdId);
      return;
    }
    SnapshotRequested request = SnapshotRequested.newBuilder()
        .setHeader(events.header(etcd.getRequestId()))
        .setRequestId(etcd.getRequestId() + "/" + target)
        .setKind(SnapshotKind.VOLUME).setTarget(target).setReason(RequestReason.SCHEDULE).setNode(nodeName)
        .setParameters(Map.of(ControlPlaneSnapshots.ETCD_SNAPSHOT_ID, etcdId,
            ControlPlaneSnapshots.ETCD_MANIFEST_KEY, etcd.getManifestKey()))
        .build();
    snapshots.handle(new InboundRecord<>(record.topic(), record.partition(), record.offset(), target, request,
        record.headers(), record.timestamp()), outputs);
  }
}
