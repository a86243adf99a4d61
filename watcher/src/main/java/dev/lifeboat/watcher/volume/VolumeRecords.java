package dev.lifeboat.watcher.volume;

import dev.lifeboat.schedule.VolumePolicy;
import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.schedule.VolumePolicy.Method;
import dev.lifeboat.events.v1.RequestReason;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.events.v1.VolumeEventObserved;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/** Builds the records the volume watcher publishes: volume events and volume snapshot requests. */
final class VolumeRecords {

  /** Where a claim is mounted: pod (namespace/name), node, and the volume's path on that node. */
  record Mount(String pod, String node, String nodePath) {
    static final Mount NONE = new Mount(null, null, null);
  }

  private final EventFactory events;

  VolumeRecords(EventFactory events) {
    this.events = events;
  }

  /** The event for {@code t}; its header's correlation id is the claim's uid, shared by all its events. */
  VolumeEventObserved event(VolumeModel.Volume volume, Transition t, Mount mount) {
    ClaimView claim = volume.claim();
    return VolumeEventObserved.newBuilder()
        .setHeader(events.header(claim.uid()))
        .setType(t.type())
        .setPvcUid(claim.uid())
        .setNamespace(claim.namespace())
        .setPvcName(claim.name())
        .setPvName(volume.pvName())
        .setStorageClass(volume.storageClass())
        .setCsiDriver(volume.csiDriver())
        .setCapacityBytes(t.capacityBytes())
        .setAccessModes(claim.accessModes())
        .setNode(mount.node())
        .setPod(mount.pod())
        .setNodePath(mount.nodePath())
        .setLabels(claim.labels())
        .build();
  }

  /**
   * A request for a snapshot of the claim's volume. Its header's correlation id is the request id.
   * A file-level request is addressed to the agent of the node that mounts the volume (node and
   * node path); a CSI request ({@code parameters.method=csi}) is served by the cluster-wide
   * snapshotter through the Kubernetes API and names no node.
   *
   * @param event the volume event that caused it (VOLUME_EVENT), or null (SCHEDULE)
   */
  SnapshotRequested request(VolumeModel.Volume volume, RequestReason reason, String event, Mount mount, Method method) {
    String requestId = UUID.randomUUID().toString();
    ClaimView claim = volume.claim();
    Map<String, String> parameters = new LinkedHashMap<>();
    put(parameters, "namespace", claim.namespace());
    put(parameters, "pvc", claim.name());
    put(parameters, "pv", volume.pvName());
    put(parameters, "storageClass", volume.storageClass());
    put(parameters, "csiDriver", volume.csiDriver());
    put(parameters, "event", event);
    boolean csi = method == Method.CSI;
    if (csi) {
      parameters.put("method", method.name().toLowerCase(Locale.ROOT));
    }
    return SnapshotRequested.newBuilder()
        .setHeader(events.header(requestId))
        .setRequestId(requestId)
        .setKind(SnapshotKind.VOLUME)
        .setTarget(claim.uid())
        .setReason(reason)
        .setNode(csi ? null : mount.node())
        .setNodePath(csi ? null : mount.nodePath())
        .setParameters(parameters)
        .build();
  }

  private static void put(Map<String, String> map, String key, String value) {
    if (value != null) {
      map.put(key, value);
    }
  }
}
