package dev.lifeboat.restore;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.resources.ResourceDocument;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Claims whose data lives in a CSI snapshot: restored through the claim's {@code dataSource}, where
 * the target can reach the snapshot. Reachable means the target has a VolumeSnapshotClass of the
 * snapshot's driver (the driver is installed there, with snapshot support). The snapshot is
 * pre-provisioned from the handle the snapshotter recorded, as the external-snapshotter documents
 * it: a VolumeSnapshotContent (deletion policy Retain, so a restore never deletes the storage's
 * snapshot) bound to a VolumeSnapshot in the claim's target namespace, which the claim names as its
 * data source. The target's driver then provisions the new volume from it; Lifeboat cannot read the
 * data back, and says so. A snapshot of storage in another region or account is not reachable by a
 * driver there: the claim then waits for its volume with the driver's error (file-level volume
 * policies keep data for a region loss).
 */
final class CsiClaimSources {
  static final ResourceDefinitionContext CLASSES = context("volumesnapshotclasses", "VolumeSnapshotClass", false);
  static final ResourceDefinitionContext SNAPSHOTS = context("volumesnapshots", "VolumeSnapshot", true);
  static final ResourceDefinitionContext CONTENTS = context("volumesnapshotcontents", "VolumeSnapshotContent", false);
  private static final String GROUP = "snapshot.storage.k8s.io";

  private final KubernetesClient target;
  private final boolean dryRun;

  CsiClaimSources(KubernetesClient target, boolean dryRun) {
    this.target = target;
    this.dryRun = dryRun;
  }

  /** Whether {@code manifest} is a CSI snapshot with a handle to restore from. */
  static boolean isCsi(Manifest manifest) {
    return manifest.files() == null && manifest.details() != null && "csi".equals(manifest.details().get("method"))
        && manifest.details().get("snapshotHandle") != null && manifest.details().get("driver") != null;
  }

  /**
   * What a claim's CSI data source needs: its report, and the objects to create in the target before
   * the claim (once its namespace exists); {@code provision} is null when the snapshot is not reachable.
   */
  record Planned(ResourceRestoreReport.ClaimData data, Runnable provision) {}

  /**
   * Points the restored claim {@code body} at the CSI snapshot {@code pick}, whose pre-provisioned
   * objects {@link Planned#provision} creates (not in a dry run); or, when the target cannot reach
   * it, leaves the claim as it is.
   */
  Planned plan(ResourceDocument claim, ObjectNode body, String targetNamespace, ClaimVolumes.Pick pick) {
    Manifest m = pick.manifest();
    String id = targetNamespace + "/" + claim.name();
    String driver = m.details().get("driver");
    Optional<String> snapshotClass = classOf(driver, m.details().get("volumeSnapshotClass"));
    if (snapshotClass.isEmpty()) {
      return new Planned(ResourceRestoreReport.ClaimData.empty(id, "CSI snapshot " + m.snapshotId() + " of driver "
          + driver + " is not reachable from the target: it has no VolumeSnapshotClass of that driver"), null);
    }
    String snapshotName = name("lifeboat-restore-" + claim.name(), claim.name() + "|" + m.snapshotId());
    String contentName = name("lifeboat-restore-" + targetNamespace + "-" + claim.name(),
        targetNamespace + "|" + claim.name() + "|" + m.snapshotId());
    Runnable provision = dryRun ? () -> { } : () -> {
      create(CONTENTS, null, new GenericKubernetesResourceBuilder().withApiVersion(GROUP + "/v1")
          .withKind("VolumeSnapshotContent").withNewMetadata().withName(contentName).endMetadata()
          .addToAdditionalProperties("spec", Map.of("deletionPolicy", "Retain", "driver", driver,
              "source", Map.of("snapshotHandle", m.details().get("snapshotHandle")),
              "volumeSnapshotClassName", snapshotClass.get(),
              "volumeSnapshotRef", Map.of("namespace", targetNamespace, "name", snapshotName)))
          .build());
      create(SNAPSHOTS, targetNamespace, new GenericKubernetesResourceBuilder().withApiVersion(GROUP + "/v1")
          .withKind("VolumeSnapshot").withNewMetadata().withName(snapshotName).withNamespace(targetNamespace)
          .endMetadata().addToAdditionalProperties("spec", Map.of("volumeSnapshotClassName", snapshotClass.get(),
              "source", Map.of("volumeSnapshotContentName", contentName)))
          .build());
    };
    ObjectNode source = JsonNodeFactory.instance.objectNode().put("apiGroup", GROUP).put("kind", "VolumeSnapshot")
        .put("name", snapshotName);
    ObjectNode spec = body.with("spec");
    spec.set("dataSource", source);
    spec.set("dataSourceRef", source.deepCopy());
    long size = parse(m.details().get("restoreSize"));
    return new Planned(new ResourceRestoreReport.ClaimData(id, ResourceRestoreReport.ClaimData.State.FROM_CSI_SNAPSHOT,
        m.snapshotId(), m.createdAt(), pick.skew(), 0, size, Duration.ZERO,
        "provisioned by " + driver + " from its snapshot " + m.details().get("snapshotHandle")), provision);
  }

  /** The target's VolumeSnapshotClass of {@code driver}: the one recorded if it exists there, else any. */
  private Optional<String> classOf(String driver, String recorded) {
    List<GenericKubernetesResource> classes;
    try {
      classes = target.genericKubernetesResources(CLASSES).list().getItems();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return Optional.empty(); // no snapshot API at all
      }
      throw e;
    }
    List<String> ofDriver = classes.stream().filter(c -> driver.equals(c.getAdditionalProperties().get("driver")))
        .map(c -> c.getMetadata().getName()).toList();
    return ofDriver.contains(recorded) ? Optional.of(recorded) : ofDriver.stream().findFirst();
  }

  private void create(ResourceDefinitionContext kind, String namespace, GenericKubernetesResource object) {
    try {
      (namespace == null ? target.genericKubernetesResources(kind) : target.genericKubernetesResources(kind)
          .inNamespace(namespace)).resource(object).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) { // AlreadyExists: a restore run before made it
        throw e;
      }
    }
  }

  /**
   * {@code base} (its first 54 characters) and a hash of {@code unique}: one name per claim and
   * snapshot, so that a restore from another snapshot never reuses an object made for an earlier one.
   */
  private static String name(String base, String unique) {
    return ObjectNames.hashed(base, unique);
  }

  private static long parse(String value) {
    try {
      return value == null ? 0 : Long.parseLong(value);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static ResourceDefinitionContext context(String plural, String kind, boolean namespaced) {
    return new ResourceDefinitionContext.Builder().withGroup(GROUP).withVersion("v1").withPlural(plural).withKind(kind)
        .withNamespaced(namespaced).build();
  }
}
