package dev.lifeboat.snapshotter.csi;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The VolumeSnapshot objects Lifeboat creates: their names and labels, creating one, finding the one
 * an earlier attempt at the same request created, and deleting one.
 *
 * <p>Every VolumeSnapshot carries {@value #MANAGED_BY}={@value #LIFEBOAT}, the snapshot id of the
 * attempt that created it ({@value #SNAPSHOT_ID_LABEL}), the claim's uid ({@value #PVC_UID_LABEL}),
 * and a hash of the request id ({@value #REQUEST_LABEL}; the id itself is in the annotation
 * {@value #REQUEST_ID_ANNOTATION}), so a retried request finds the snapshot it already asked for
 * instead of cutting another.
 */
final class VolumeSnapshots {
  static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  static final String LIFEBOAT = "lifeboat";
  static final String SNAPSHOT_ID_LABEL = "lifeboat.dev/snapshot-id";
  static final String PVC_UID_LABEL = "lifeboat.dev/pvc-uid";
  static final String REQUEST_LABEL = "lifeboat.dev/request";
  static final String REQUEST_ID_ANNOTATION = "lifeboat.dev/request-id";
  private static final int MAX_NAME = 63;

  private final KubernetesClient client;

  VolumeSnapshots(KubernetesClient client) {
    this.client = client;
  }

  /**
   * The VolumeSnapshot name for a snapshot id: {@code lifeboat-<id>} in lower case, characters a DNS
   * label cannot hold replaced by '-', at most 63 characters (a longer id is cut and ends with a hash
   * of the whole, so distinct ids keep distinct names).
   */
  static String objectName(String snapshotId) {
    String name = ("lifeboat-" + snapshotId).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-")
        .replaceAll("-+$", "");
    if (name.length() > MAX_NAME) {
      name = name.substring(0, MAX_NAME - 9).replaceAll("-+$", "") + "-" + sha256(snapshotId).substring(0, 8);
    }
    return name;
  }

  /** A label value standing for a request id, whatever characters the id holds. */
  static String requestLabel(String requestId) {
    return sha256(requestId).substring(0, 40);
  }

  /** Creates the VolumeSnapshot of {@code pvc} with class {@code className}. */
  GenericKubernetesResource create(String namespace, String pvc, String pvcUid, String className, String snapshotId,
      String requestId) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(MANAGED_BY, LIFEBOAT);
    labels.put(SNAPSHOT_ID_LABEL, labelValue(snapshotId));
    labels.put(PVC_UID_LABEL, labelValue(pvcUid));
    labels.put(REQUEST_LABEL, requestLabel(requestId));
    GenericKubernetesResource snapshot = new GenericKubernetesResourceBuilder()
        .withApiVersion(SnapshotApi.API_VERSION).withKind("VolumeSnapshot")
        .withNewMetadata().withNamespace(namespace).withName(objectName(snapshotId)).withLabels(labels)
        .withAnnotations(Map.of(REQUEST_ID_ANNOTATION, requestId)).endMetadata()
        .addToAdditionalProperties("spec", Map.of(
            "volumeSnapshotClassName", className,
            "source", Map.of("persistentVolumeClaimName", pvc)))
        .build();
    String key = namespace + "/" + snapshot.getMetadata().getName();
    return SnapshotApi.call("create VolumeSnapshot " + key + " of claim " + namespace + "/" + pvc,
        () -> client.genericKubernetesResources(SnapshotApi.SNAPSHOTS).inNamespace(namespace).resource(snapshot).create());
  }

  /** The VolumeSnapshot of {@code pvc} an earlier attempt at this request created and nobody is deleting. */
  Optional<GenericKubernetesResource> createdFor(String namespace, String pvc, String requestId) {
    return SnapshotApi.call("list the VolumeSnapshots of namespace " + namespace,
        () -> client.genericKubernetesResources(SnapshotApi.SNAPSHOTS).inNamespace(namespace)
            .withLabel(REQUEST_LABEL, requestLabel(requestId)).list().getItems())
        .stream()
        .filter(s -> s.getMetadata().getDeletionTimestamp() == null)
        .filter(s -> pvc.equals(s.get("spec", "source", "persistentVolumeClaimName")))
        .min(Comparator.comparing(s -> s.getMetadata().getName()));
  }

  /** The VolumeSnapshot as the API has it now; null when it is gone. */
  GenericKubernetesResource get(String namespace, String name) {
    return SnapshotApi.call("read VolumeSnapshot " + namespace + "/" + name,
        () -> client.genericKubernetesResources(SnapshotApi.SNAPSHOTS).inNamespace(namespace).withName(name).get());
  }

  /** Deletes a VolumeSnapshot; with deletionPolicy Delete the CSI driver deletes the storage's snapshot too. */
  void delete(String namespace, String name) {
    SnapshotApi.call("delete VolumeSnapshot " + namespace + "/" + name,
        () -> client.genericKubernetesResources(SnapshotApi.SNAPSHOTS).inNamespace(namespace).withName(name).delete());
  }

  private static String labelValue(String value) {
    String cleaned = value.replaceAll("[^A-Za-z0-9_.-]+", "-").replaceAll("^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "");
    return cleaned.length() <= MAX_NAME ? cleaned : sha256(value).substring(0, 40);
  }

  private static String sha256(String value) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
