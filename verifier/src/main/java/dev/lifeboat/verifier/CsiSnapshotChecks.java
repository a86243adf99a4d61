package dev.lifeboat.verifier;

import dev.lifeboat.repository.Manifest;
import dev.lifeboat.retry.RetriableFailure;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What can be checked of a CSI volume snapshot without restoring it: its data stays with the
 * storage, and the manifest records where (see the snapshotter's {@code CsiSnapshotter}). In the
 * protected cluster, the VolumeSnapshot must still exist and be ready to use, be bound to the
 * VolumeSnapshotContent the manifest names, whose snapshot handle, driver and restore size must be
 * the manifest's. Every one of these checks can fail; when they all pass the verification is
 * {@code CHECKED_NOT_RESTORED}, never PASSED: nothing was restored and read back.
 */
final class CsiSnapshotChecks {
  static final String METHOD = "csi";
  private static final String GROUP = "snapshot.storage.k8s.io";
  private static final ResourceDefinitionContext SNAPSHOTS = context("volumesnapshots", "VolumeSnapshot", true);
  private static final ResourceDefinitionContext CONTENTS = context("volumesnapshotcontents", "VolumeSnapshotContent",
      false);

  private final Supplier<KubernetesClient> cluster;

  /** @param cluster the protected cluster, where the snapshot's VolumeSnapshot lives */
  CsiSnapshotChecks(Supplier<KubernetesClient> cluster) {
    this.cluster = cluster;
  }

  static boolean applies(Manifest manifest) {
    return manifest.details() != null && METHOD.equals(manifest.details().get("method"));
  }

  /** Where the checks looked, for the verification's scratch target. */
  static String where(Manifest manifest) {
    Map<String, String> d = manifest.details();
    return "nothing restored: VolumeSnapshot " + d.get("namespace") + "/" + d.get("volumeSnapshot")
        + " checked in the protected cluster";
  }

  /** Adds the checks to {@code checks}; throws {@link RetriableFailure} when the API server cannot be reached. */
  void check(Manifest manifest, Checks checks) {
    Map<String, String> d = manifest.details();
    String where = "VolumeSnapshot " + d.get("namespace") + "/" + d.get("volumeSnapshot");
    try {
      checkLive(manifest, where, checks);
    } catch (KubernetesClientException e) {
      if (!refused(e)) {
        throw new RetriableFailure("the protected cluster's API did not answer about " + where + ": " + e.getMessage(), e);
      }
      checks.add("volume-snapshot-readable", false, where, "refused", Map.of("reason", "the protected cluster refused to"
          + " show " + where + " or its content (HTTP " + e.getCode() + "): the verifier needs get on volumesnapshots and"
          + " volumesnapshotcontents"));
    }
  }

  private void checkLive(Manifest manifest, String where, Checks checks) {
    Map<String, String> d = manifest.details();
    String namespace = d.get("namespace");
    String name = d.get("volumeSnapshot");
    KubernetesClient client = cluster.get();
    GenericKubernetesResource snapshot = namespace == null || name == null ? null
        : client.genericKubernetesResources(SNAPSHOTS).inNamespace(namespace).withName(name).get();
    if (snapshot == null) {
      checks.add("volume-snapshot-exists", false, where, "missing", Map.of("reason", where + " recorded by snapshot "
          + manifest.snapshotId() + " does not exist in the protected cluster (deleted, or the snapshot CRDs are not"
          + " installed): its data cannot be restored"));
      return;
    }
    String bound = text(snapshot.get("status", "boundVolumeSnapshotContentName"));
    checks.add("volume-snapshot-exists", true, where, where, Map.of("uid", snapshot.getMetadata().getUid(),
        "boundVolumeSnapshotContentName", String.valueOf(bound)));
    Object ready = snapshot.get("status", "readyToUse");
    Map<String, Object> readiness = new LinkedHashMap<>();
    Object error = snapshot.get("status", "error", "message");
    if (error != null) {
      readiness.put("error", error);
    }
    if (!Boolean.TRUE.equals(ready)) {
      readiness.put("reason", where + " is not ready to use (readyToUse=" + ready + ")"
          + (error == null ? "" : ": " + error));
    }
    checks.add("volume-snapshot-ready", Boolean.TRUE.equals(ready), true, ready, readiness);

    String contentName = d.get("volumeSnapshotContent");
    GenericKubernetesResource content = contentName == null ? null
        : client.genericKubernetesResources(CONTENTS).withName(contentName).get();
    String handle = content == null ? null : text(content.get("status", "snapshotHandle"));
    String driver = content == null ? null : text(content.get("spec", "driver"));
    Map<String, Object> evidence = new LinkedHashMap<>();
    evidence.put("volumeSnapshotContent", String.valueOf(contentName));
    evidence.put("driver", String.valueOf(driver));
    String problem = content == null ? "VolumeSnapshotContent " + contentName + " recorded by the manifest does not exist"
        : !contentName.equals(bound) ? where + " is bound to " + bound + ", not to " + contentName
        : !Objects.equals(handle, d.get("snapshotHandle")) ? "the snapshot handle is " + handle + ", the manifest says "
            + d.get("snapshotHandle")
        : d.get("driver") != null && !d.get("driver").equals(driver) ? "the driver is " + driver + ", the manifest says "
            + d.get("driver")
        : null;
    if (problem != null) {
      evidence.put("reason", problem);
    }
    checks.add("snapshot-handle", problem == null, d.get("snapshotHandle"), handle == null ? "none" : handle, evidence);

    String expectedSize = d.get("restoreSize");
    Long size = content == null ? null : restoreSize(content.get("status", "restoreSize"),
        snapshot.get("status", "restoreSize"));
    String actualSize = size == null || size <= 0 ? null : Long.toString(size);
    Map<String, Object> sizeEvidence = new LinkedHashMap<>();
    if (!Objects.equals(expectedSize, actualSize)) {
      sizeEvidence.put("reason", "the restore size is " + (actualSize == null ? "not reported" : actualSize + " bytes")
          + ", the manifest says " + (expectedSize == null ? "none was reported" : expectedSize + " bytes"));
    }
    checks.add("restore-size", Objects.equals(expectedSize, actualSize), expectedSize == null ? "not recorded"
        : expectedSize, actualSize == null ? "not reported" : actualSize, sizeEvidence);
  }

  /** Bytes: the content's restoreSize is a number, the snapshot's a quantity ("10Gi"). */
  private static Long restoreSize(Object fromContent, Object fromSnapshot) {
    if (fromContent instanceof Number n) {
      return n.longValue();
    }
    if (fromSnapshot != null) {
      try {
        return Quantity.getAmountInBytes(new Quantity(fromSnapshot.toString())).longValue();
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    return null;
  }

  /** An answer about the request (403, 401, 404, 422): not worth retrying. */
  private static boolean refused(KubernetesClientException e) {
    return e.getCode() >= 400 && e.getCode() < 500 && e.getCode() != 408 && e.getCode() != 429;
  }

  private static String text(Object value) {
    return value == null ? null : value.toString();
  }

  private static ResourceDefinitionContext context(String plural, String kind, boolean namespaced) {
    return new ResourceDefinitionContext.Builder().withGroup(GROUP).withVersion("v1").withPlural(plural).withKind(kind)
        .withNamespaced(namespaced).build();
  }
}
