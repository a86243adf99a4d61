package dev.lifeboat.snapshotter.csi;

import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.ManifestStore;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.retry.PermanentFailure;
import dev.lifeboat.retry.RetriableFailure;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Snapshots a volume through its CSI driver: creates a {@code snapshot.storage.k8s.io/v1}
 * VolumeSnapshot of the claim, waits until it is ready to use, reads the storage's snapshot handle
 * from the bound VolumeSnapshotContent, and records it in a manifest of kind {@code VOLUME} (target:
 * the claim's uid; no files or streams, the data stays with the storage) whose details say how to
 * find the snapshot again: {@code method=csi}, namespace, pvc, volumeSnapshot,
 * volumeSnapshotClass, volumeSnapshotContent, snapshotHandle, driver, restoreSize, readyAt.
 *
 * <p>A request is {@code kind VOLUME}, target the claim's uid, parameters {@code namespace},
 * {@code pvc}, optionally {@code csiDriver} and {@code volumeSnapshotClass}. What the same request
 * will always hit (no such claim, no class for the driver, an error from the driver, the timeout)
 * is a {@link PermanentFailure} that names the claim and says what to do; an API server that cannot
 * be reached is a {@link RetriableFailure}, and the retry takes up the VolumeSnapshot the first
 * attempt created. A VolumeSnapshot that failed or timed out is deleted. See DESIGN.md beside this
 * class.
 */
public final class CsiSnapshotter {
  private static final Logger log = LoggerFactory.getLogger(CsiSnapshotter.class);
  public static final SnapshotKind KIND = SnapshotKind.VOLUME;
  /** The value of a request's {@code method} parameter that asks for a CSI snapshot. */
  public static final String METHOD = "csi";
  public static final Duration FIRST_POLL = Duration.ofMillis(200);
  public static final Duration MAX_POLL = Duration.ofSeconds(5);

  private final KubernetesClient client;
  private final Repository repository;
  private final Clock clock;
  private final Duration timeout;
  private final String defaultClass;
  private final VolumeSnapshots snapshots;
  private final ReadinessWait wait;

  /**
   * @param timeout how long a VolumeSnapshot may take to become ready to use
   * @param defaultClass the VolumeSnapshotClass of requests that name none; empty: chosen by driver
   */
  public CsiSnapshotter(KubernetesClient client, Repository repository, Clock clock, Duration timeout, String defaultClass) {
    this(client, repository, clock, timeout, defaultClass, FIRST_POLL, MAX_POLL);
  }

  CsiSnapshotter(KubernetesClient client, Repository repository, Clock clock, Duration timeout, String defaultClass,
      Duration firstPoll, Duration maxPoll) {
    this.client = client;
    this.repository = repository;
    this.clock = clock;
    this.timeout = timeout;
    this.defaultClass = defaultClass == null ? "" : defaultClass;
    this.snapshots = new VolumeSnapshots(client);
    this.wait = new ReadinessWait(snapshots, clock, firstPoll, maxPoll);
  }

  /** Whether a volume request asks for a CSI snapshot. */
  public static boolean wants(SnapshotRequested request) {
    return request.getParameters() != null && METHOD.equals(request.getParameters().get("method"));
  }

  /** What a snapshot produced: the manifest written, and the volume's size as the driver reports it (0 if unknown). */
  public record Result(Manifest manifest, ManifestStore.Written written, long restoreSize) {}

  /** Takes the CSI snapshot {@code request} asks for as snapshot {@code snapshotId}. */
  public Result snapshot(SnapshotRequested request, String cluster, String snapshotId) {
    Map<String, String> parameters = request.getParameters() == null ? Map.of() : request.getParameters();
    String namespace = required(parameters, "namespace", request);
    String pvcName = required(parameters, "pvc", request);
    try (var a = MDC.putCloseable("snapshotId", snapshotId); var b = MDC.putCloseable("namespace", namespace);
        var c = MDC.putCloseable("name", pvcName)) {
      return take(request, parameters, new ClaimRef(namespace, pvcName), cluster, snapshotId);
    }
  }

  private record ClaimRef(String namespace, String name) {
    @Override
    public String toString() {
      return namespace + "/" + name;
    }
  }

  private Result take(SnapshotRequested request, Map<String, String> parameters, ClaimRef claim, String cluster,
      String snapshotId) {
    Instant started = clock.instant();
    PersistentVolumeClaim pvc = SnapshotApi.call("read PersistentVolumeClaim " + claim,
        () -> client.persistentVolumeClaims().inNamespace(claim.namespace()).withName(claim.name()).get());
    if (pvc == null) {
      throw new PermanentFailure("PersistentVolumeClaim " + claim + " does not exist, so there is nothing to snapshot: it "
          + "was deleted after the request was made, or the request names the wrong claim");
    }
    String uid = pvc.getMetadata().getUid();
    if (!request.getTarget().equals(uid)) {
      throw new PermanentFailure("PersistentVolumeClaim " + claim + " is not the claim the request is for (uid " + uid
          + ", the request's target is " + request.getTarget() + "): that claim was deleted and another took its name; "
          + "the new claim gets requests of its own");
    }
    String pvName = pvc.getSpec() == null ? null : pvc.getSpec().getVolumeName();
    String phase = pvc.getStatus() == null ? null : pvc.getStatus().getPhase();
    if (pvName == null || pvName.isEmpty() || !"Bound".equals(phase)) {
      throw new PermanentFailure("PersistentVolumeClaim " + claim + " is not bound to a volume (phase " + phase
          + "): a CSI snapshot needs a bound claim; the watcher requests one when it binds");
    }
    String driver = driverOf(parameters, pvName, claim);
    SnapshotClasses.Chosen snapshotClass = chooseClass(parameters, driver, claim);

    GenericKubernetesResource snapshot = snapshots.createdFor(claim.namespace(), claim.name(), request.getRequestId())
        .orElse(null);
    if (snapshot != null) {
      log.info("CSI snapshot {} of claim {}: taking up VolumeSnapshot {} that an earlier attempt at request {} created",
          snapshotId, claim, snapshot.getMetadata().getName(), request.getRequestId());
    } else {
      snapshot = snapshots.create(claim.namespace(), claim.name(), uid, snapshotClass.name(), snapshotId, request.getRequestId());
      log.info("CSI snapshot {} of claim {}: created VolumeSnapshot {} (class {}, driver {}); waiting up to {} for it",
          snapshotId, claim, snapshot.getMetadata().getName(), snapshotClass.name(), driver, human(timeout));
    }
    String snapshotName = snapshot.getMetadata().getName();
    String where = "VolumeSnapshot " + claim.namespace() + "/" + snapshotName;

    ReadinessWait.Outcome outcome = wait.await(snapshot, timeout);
    if (outcome instanceof ReadinessWait.Failed failed) {
      throw new PermanentFailure("CSI driver " + driver + " could not snapshot claim " + claim + ": " + failed.message()
          + " (" + where + ", class " + snapshotClass.name() + "; " + abandon(claim.namespace(), snapshotName) + ")");
    }
    if (outcome instanceof ReadinessWait.TimedOut timedOut) {
      throw new PermanentFailure("Timed out after " + human(timeout) + ": " + where + " of claim " + claim + " (class "
          + snapshotClass.name() + ", driver " + driver + ") was not ready to use; " + ReadinessWait.describe(timedOut.snapshot())
          + ". " + abandon(claim.namespace(), snapshotName) + ". Check that the CSI snapshot controller and the "
          + "driver's csi-snapshotter sidecar run and what they log, or raise snapshotter.csiTimeout for a driver that "
          + "takes longer");
    }
    ReadinessWait.Ready ready = (ReadinessWait.Ready) outcome;
    Map<String, String> details = new LinkedHashMap<>();
    details.put("method", METHOD);
    details.put("namespace", claim.namespace());
    details.put("pvc", claim.name());
    details.put("pv", pvName);
    details.put("driver", driver);
    details.put("volumeSnapshot", snapshotName);
    details.put("volumeSnapshotClass", snapshotClass.name());
    if (snapshotClass.deletionPolicy() != null) {
      details.put("deletionPolicy", snapshotClass.deletionPolicy());
    }
    long restoreSize;
    try {
      restoreSize = readContent(ready.snapshot(), where, details);
    } catch (PermanentFailure e) {
      throw new PermanentFailure(e.getMessage() + " (" + abandon(claim.namespace(), snapshotName) + ")", e);
    }
    details.put("readyAt", ready.at().toString());
    Manifest manifest = new Manifest(Manifest.FORMAT, snapshotId, KIND, uid, cluster, started, null, SnapshotPhase.COMPLETED, null,
        null, details);
    ManifestStore.Written written = repository.manifests().write(manifest);
    log.info("CSI snapshot {} of claim {}: {} ready in {} ms, handle {}, restore size {} bytes", snapshotId, claim, where,
        Duration.between(started, ready.at()).toMillis(), details.get("snapshotHandle"), restoreSize);
    return new Result(manifest, written, restoreSize);
  }

  private String driverOf(Map<String, String> parameters, String pvName, ClaimRef claim) {
    String driver = parameters.get("csiDriver");
    if (driver != null && !driver.isEmpty()) {
      return driver;
    }
    PersistentVolume pv = SnapshotApi.call("read PersistentVolume " + pvName + " of claim " + claim,
        () -> client.persistentVolumes().withName(pvName).get());
    if (pv == null || pv.getSpec() == null || pv.getSpec().getCsi() == null || pv.getSpec().getCsi().getDriver() == null) {
      throw new PermanentFailure("PersistentVolumeClaim " + claim + " is bound to " + (pv == null ? "volume " + pvName
          + ", which does not exist" : "volume " + pvName + ", which is not a CSI volume (no spec.csi.driver)")
          + ": no CSI snapshot can be taken; give its storage class a volume policy with method: file");
    }
    return pv.getSpec().getCsi().getDriver();
  }

  private SnapshotClasses.Chosen chooseClass(Map<String, String> parameters, String driver, ClaimRef claim) {
    String requested = parameters.get("volumeSnapshotClass");
    String name = requested != null && !requested.isEmpty() ? requested : defaultClass;
    if (!name.isEmpty()) {
      String namedBy = name.equals(requested) ? "the request" : "snapshotter.csiSnapshotClass";
      GenericKubernetesResource found = SnapshotApi.call("read VolumeSnapshotClass " + name,
          () -> client.genericKubernetesResources(SnapshotApi.CLASSES).withName(name).get());
      return SnapshotClasses.named(name, namedBy, found, driver, claim.toString());
    }
    return SnapshotClasses.forDriver(driver, SnapshotApi.call("list VolumeSnapshotClasses",
        () -> client.genericKubernetesResources(SnapshotApi.CLASSES).list().getItems()), claim.toString());
  }

  /** Reads the bound VolumeSnapshotContent into {@code details}; returns the restore size in bytes (0 if unknown). */
  private long readContent(GenericKubernetesResource snapshot, String where, Map<String, String> details) {
    String contentName = ReadinessWait.contentName(snapshot);
    GenericKubernetesResource content = SnapshotApi.call("read VolumeSnapshotContent " + contentName + " of " + where,
        () -> client.genericKubernetesResources(SnapshotApi.CONTENTS).withName(contentName).get());
    if (content == null) {
      throw new PermanentFailure(where + " is ready but its VolumeSnapshotContent " + contentName + " does not exist, "
          + "so the storage's snapshot handle cannot be recorded");
    }
    Object handle = content.get("status", "snapshotHandle");
    if (handle == null) {
      throw new PermanentFailure(where + " is ready but its VolumeSnapshotContent " + contentName + " has no "
          + "status.snapshotHandle, so the storage's snapshot cannot be found again from the backup");
    }
    details.put("volumeSnapshotContent", contentName);
    details.put("snapshotHandle", handle.toString());
    long restoreSize = restoreSize(content.get("status", "restoreSize"), snapshot.get("status", "restoreSize"));
    if (restoreSize > 0) {
      details.put("restoreSize", Long.toString(restoreSize));
    }
    Object created = content.get("status", "creationTime");
    if (created instanceof Number nanos) {
      details.put("creationTime", Instant.EPOCH.plusNanos(nanos.longValue()).toString());
    } else if (snapshot.get("status", "creationTime") != null) {
      details.put("creationTime", snapshot.get("status", "creationTime").toString());
    }
    return restoreSize;
  }

  /** Bytes: the content's restoreSize is a number, the snapshot's a quantity ("10Gi"). */
  private static long restoreSize(Object fromContent, Object fromSnapshot) {
    if (fromContent instanceof Number n) {
      return n.longValue();
    }
    if (fromSnapshot != null) {
      try {
        return Quantity.getAmountInBytes(new Quantity(fromSnapshot.toString())).longValue();
      } catch (IllegalArgumentException e) {
        return 0;
      }
    }
    return 0;
  }

  /** Deletes a VolumeSnapshot that will not be recorded; says what became of it, for the failure's message. */
  private String abandon(String namespace, String name) {
    try {
      snapshots.delete(namespace, name);
      return "Lifeboat deleted VolumeSnapshot " + namespace + "/" + name;
    } catch (RetriableFailure | PermanentFailure e) {
      log.warn("Could not delete VolumeSnapshot {}/{} that will not be recorded: {}", namespace, name, e.getMessage());
      return "VolumeSnapshot " + namespace + "/" + name + " was left in place, as deleting it failed (" + e.getMessage()
          + "): delete it with kubectl delete volumesnapshot -n " + namespace + " " + name;
    }
  }

  /** {@code 10m}, {@code 90s}, {@code 1500ms}: as durations are written in the configuration. */
  static String human(Duration d) {
    if (d.toMillis() % 60_000 == 0 && !d.isZero()) {
      return d.toMinutes() + "m";
    }
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }

  private static String required(Map<String, String> parameters, String key, SnapshotRequested request) {
    String value = parameters.get(key);
    if (value == null || value.isEmpty()) {
      throw new PermanentFailure("CSI snapshot request " + request.getRequestId() + " for target " + request.getTarget()
          + " has no parameter " + key + ": a CSI snapshot needs the claim's namespace and name (parameters namespace "
          + "and pvc, as the watcher sets them)");
    }
    return value;
  }
}
