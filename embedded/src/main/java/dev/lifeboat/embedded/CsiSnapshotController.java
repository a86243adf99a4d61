package dev.lifeboat.embedded;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Plays the CSI snapshot controller and a driver's snapshot sidecar against the local API (which
 * serves the {@code snapshot.storage.k8s.io} kinds but runs no controller): every new
 * VolumeSnapshot, in any namespace, gets a bound VolumeSnapshotContent with a snapshot handle and a
 * restore size, and is made ready to use; a snapshot of a claim annotated {@value #FAIL_ANNOTATION}
 * fails instead, with the annotation's value as the driver's error message. Its requests are made
 * with the client it is given.
 */
public final class CsiSnapshotController implements AutoCloseable {
  public static final ResourceDefinitionContext SNAPSHOTS = api("volumesnapshots", "VolumeSnapshot", true);
  public static final ResourceDefinitionContext CONTENTS = api("volumesnapshotcontents", "VolumeSnapshotContent", false);
  public static final ResourceDefinitionContext CLASSES = api("volumesnapshotclasses", "VolumeSnapshotClass", false);

  /** A claim annotated so has every snapshot fail, with the annotation's value as the driver's error. */
  public static final String FAIL_ANNOTATION = "csi.lifeboat.dev/snapshot-error";

  private final KubernetesClient kube;
  private final String driver;
  private final long restoreSize;
  private final SharedIndexInformer<GenericKubernetesResource> informer;

  /**
   * @param driver the CSI driver the contents name
   * @param restoreSize the size, in bytes, every snapshot reports
   */
  public CsiSnapshotController(KubernetesClient kube, String driver, long restoreSize) {
    this.kube = kube;
    this.driver = driver;
    this.restoreSize = restoreSize;
    this.informer = kube.genericKubernetesResources(SNAPSHOTS).inAnyNamespace().inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(GenericKubernetesResource snapshot) {
        ready(snapshot);
      }

      @Override
      public void onUpdate(GenericKubernetesResource before, GenericKubernetesResource after) {}

      @Override
      public void onDelete(GenericKubernetesResource snapshot, boolean finalStateUnknown) {}
    });
  }

  /** A default VolumeSnapshotClass {@code name} for this controller's driver (deletion policy Retain). */
  public void createDefaultClass(String name) {
    kube.genericKubernetesResources(CLASSES).resource(new GenericKubernetesResourceBuilder()
        .withApiVersion("snapshot.storage.k8s.io/v1").withKind("VolumeSnapshotClass").withNewMetadata().withName(name)
        .addToAnnotations("snapshot.storage.kubernetes.io/is-default-class", "true").endMetadata()
        .addToAdditionalProperties("driver", driver).addToAdditionalProperties("deletionPolicy", "Retain").build()).create();
  }

  private void ready(GenericKubernetesResource snapshot) {
    String namespace = snapshot.getMetadata().getNamespace();
    Object spec = snapshot.getAdditionalProperties().get("spec");
    Object source = spec instanceof Map<?, ?> m ? m.get("source") : null;
    Object preProvisioned = source instanceof Map<?, ?> m ? m.get("volumeSnapshotContentName") : null;
    if (preProvisioned != null) {
      bindPreProvisioned(snapshot, preProvisioned.toString());
      return;
    }
    PersistentVolumeClaim claim = claimOf(snapshot);
    String error = claim == null || claim.getMetadata().getAnnotations() == null ? null
        : claim.getMetadata().getAnnotations().get(FAIL_ANNOTATION);
    if (error != null) {
      GenericKubernetesResource current = kube.genericKubernetesResources(SNAPSHOTS).inNamespace(namespace)
          .withName(snapshot.getMetadata().getName()).get();
      current.setAdditionalProperty("status", Map.of("readyToUse", false,
          "error", Map.of("message", error, "time", Instant.now().toString())));
      kube.genericKubernetesResources(SNAPSHOTS).inNamespace(namespace).resource(current).updateStatus();
      return;
    }
    String content = "snapcontent-" + snapshot.getMetadata().getUid();
    GenericKubernetesResource created = kube.genericKubernetesResources(CONTENTS).resource(
        new GenericKubernetesResourceBuilder().withApiVersion("snapshot.storage.k8s.io/v1")
            .withKind("VolumeSnapshotContent").withNewMetadata().withName(content).endMetadata()
            .addToAdditionalProperties("spec", Map.of("deletionPolicy", "Retain", "driver", driver,
                "source", Map.of("volumeHandle", volumeHandle(claim)), "volumeSnapshotRef", Map.of("namespace", namespace,
                    "name", snapshot.getMetadata().getName(), "uid", snapshot.getMetadata().getUid())))
            .build()).create();
    created.setAdditionalProperty("status", Map.of("snapshotHandle", "snap-" + UUID.randomUUID(), "restoreSize",
        restoreSize, "readyToUse", true));
    kube.genericKubernetesResources(CONTENTS).resource(created).updateStatus();
    GenericKubernetesResource current = kube.genericKubernetesResources(SNAPSHOTS).inNamespace(namespace)
        .withName(snapshot.getMetadata().getName()).get();
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("boundVolumeSnapshotContentName", content);
    status.put("readyToUse", true);
    status.put("restoreSize", Long.toString(restoreSize));
    status.put("creationTime", Instant.now().toString());
    current.setAdditionalProperty("status", status);
    kube.genericKubernetesResources(SNAPSHOTS).inNamespace(namespace).resource(current).updateStatus();
  }

  /**
   * A snapshot that names its content (pre-provisioned from a handle, as a restore does): bound to it
   * and ready, as the external-snapshotter does when the driver knows the handle.
   */
  private void bindPreProvisioned(GenericKubernetesResource snapshot, String contentName) {
    GenericKubernetesResource content = kube.genericKubernetesResources(CONTENTS).withName(contentName).get();
    if (content == null) {
      return; // stays unbound, as a real controller leaves it until the content exists
    }
    Object spec = content.getAdditionalProperties().get("spec");
    Object source = spec instanceof Map<?, ?> m ? m.get("source") : null;
    Object handle = source instanceof Map<?, ?> m ? m.get("snapshotHandle") : null;
    content.setAdditionalProperty("status", Map.of("snapshotHandle", String.valueOf(handle), "restoreSize", restoreSize,
        "readyToUse", true));
    kube.genericKubernetesResources(CONTENTS).resource(content).updateStatus();
    GenericKubernetesResource current = kube.genericKubernetesResources(SNAPSHOTS)
        .inNamespace(snapshot.getMetadata().getNamespace()).withName(snapshot.getMetadata().getName()).get();
    current.setAdditionalProperty("status", Map.of("boundVolumeSnapshotContentName", contentName, "readyToUse", true,
        "restoreSize", Long.toString(restoreSize)));
    kube.genericKubernetesResources(SNAPSHOTS).inNamespace(snapshot.getMetadata().getNamespace()).resource(current)
        .updateStatus();
  }

  /** The claim the snapshot is of, or null. */
  private PersistentVolumeClaim claimOf(GenericKubernetesResource snapshot) {
    Object spec = snapshot.getAdditionalProperties().get("spec");
    Object source = spec instanceof Map<?, ?> s ? s.get("source") : null;
    Object claimName = source instanceof Map<?, ?> s ? s.get("persistentVolumeClaimName") : null;
    return claimName == null ? null
        : kube.persistentVolumeClaims().inNamespace(snapshot.getMetadata().getNamespace()).withName(claimName.toString()).get();
  }

  /** The CSI handle of the volume bound to the claim, as the driver would snapshot it. */
  private String volumeHandle(PersistentVolumeClaim claim) {
    String volumeName = claim == null || claim.getSpec() == null ? null : claim.getSpec().getVolumeName();
    PersistentVolume volume = volumeName == null ? null : kube.persistentVolumes().withName(volumeName).get();
    return volume == null || volume.getSpec().getCsi() == null ? "vol-unknown" : volume.getSpec().getCsi().getVolumeHandle();
  }

  @Override
  public void close() {
    informer.close();
  }

  private static ResourceDefinitionContext api(String plural, String kind, boolean namespaced) {
    return new ResourceDefinitionContext.Builder().withGroup("snapshot.storage.k8s.io").withVersion("v1")
        .withPlural(plural).withKind(kind).withNamespaced(namespaced).build();
  }
}
