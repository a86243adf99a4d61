package dev.lifeboat.restore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * What a real restore changes in an object before it is created: the fields the source cluster
 * assigned (and a target must assign anew) are dropped, and namespaces are mapped wherever an
 * object names one.
 *
 * <ul>
 *   <li>every object: {@code status}; {@code metadata.uid}, {@code resourceVersion}, {@code
 *       generation}, {@code creationTimestamp}, {@code deletionTimestamp}, {@code
 *       deletionGracePeriodSeconds}, {@code managedFields}, {@code selfLink}, {@code ownerReferences}
 *       (they name the source's uids); {@code metadata.namespace} mapped;
 *   <li>Namespace: renamed by the mapping, the plan's namespace labels added;
 *   <li>Service: {@code spec.clusterIP} and {@code spec.clusterIPs}, unless headless ({@code None});
 *   <li>Pod: {@code spec.nodeName} (the scheduler places it again);
 *   <li>PersistentVolume: {@code spec.claimRef.uid} and {@code resourceVersion}; its namespace mapped;
 *   <li>PersistentVolumeClaim: what bound it to the source's volume ({@code spec.volumeName}, the
 *       binding and provisioning annotations of the source's controllers), so that the target gives it
 *       a new volume of its storage class (mapped by the plan), or binds it to a restored volume whose
 *       {@code claimRef} names it;
 *   <li>RoleBinding, ClusterRoleBinding: the namespace of ServiceAccount subjects mapped.
 * </ul>
 */
final class ObjectTransforms {
  private static final List<String> ASSIGNED_METADATA = List.of("uid", "resourceVersion", "generation",
      "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink",
      "ownerReferences");
  private static final List<String> PVC_BINDING_ANNOTATIONS = List.of("pv.kubernetes.io/bind-completed",
      "pv.kubernetes.io/bound-by-controller", "volume.kubernetes.io/selected-node",
      "volume.beta.kubernetes.io/storage-provisioner", "volume.kubernetes.io/storage-provisioner");

  private ObjectTransforms() {}

  /**
   * The object as it is to be created in the target (a copy; {@code object} is left as it was).
   *
   * @param targetNamespace where a namespaced object goes; null for cluster-scoped objects
   */
  static ObjectNode forRestore(ObjectNode object, String apiVersion, String group, String kind, String targetNamespace,
      ResourceRestorePlan plan) {
    ObjectNode out = object.deepCopy();
    if (!out.hasNonNull("apiVersion")) {
      out.put("apiVersion", apiVersion);
    }
    if (!out.hasNonNull("kind")) {
      out.put("kind", kind);
    }
    out.remove("status");
    ObjectNode metadata = out.withObjectProperty("metadata");
    ASSIGNED_METADATA.forEach(metadata::remove);
    if (targetNamespace != null) {
      metadata.put("namespace", targetNamespace);
    } else {
      metadata.remove("namespace");
    }
    if (group.isEmpty()) {
      switch (kind) {
        case "Namespace" -> {
          String name = metadata.path("name").asText();
          metadata.put("name", plan.targetNamespace(name));
          if (!plan.namespaceLabels().isEmpty()) {
            plan.namespaceLabels().forEach(metadata.withObjectProperty("labels")::put);
          }
          if (metadata.path("labels").has("kubernetes.io/metadata.name")) {
            metadata.withObjectProperty("labels").put("kubernetes.io/metadata.name", plan.targetNamespace(name));
          }
        }
        case "Service" -> {
          JsonNode spec = out.path("spec");
          if (spec.isObject() && !"None".equals(spec.path("clusterIP").asText())) {
            ((ObjectNode) spec).remove("clusterIP");
            ((ObjectNode) spec).remove("clusterIPs");
          }
        }
        case "Pod" -> {
          if (out.path("spec").isObject()) {
            ((ObjectNode) out.get("spec")).remove("nodeName");
          }
        }
        case "PersistentVolume" -> {
          JsonNode claim = out.path("spec").path("claimRef");
          if (claim.isObject()) {
            ObjectNode ref = (ObjectNode) claim;
            ref.remove("uid");
            ref.remove("resourceVersion");
            if (ref.hasNonNull("namespace")) {
              ref.put("namespace", plan.targetNamespace(ref.get("namespace").asText()));
            }
          }
        }
        case "PersistentVolumeClaim" -> {
          JsonNode annotations = metadata.path("annotations");
          if (annotations.isObject()) {
            PVC_BINDING_ANNOTATIONS.forEach(((ObjectNode) annotations)::remove);
          }
          // Left bound to the source's volume, a claim stays Pending in any other cluster (and in this
          // one once that volume is released): the target provisions or binds a volume anew.
          if (out.path("spec").isObject()) {
            ObjectNode spec = (ObjectNode) out.get("spec");
            spec.remove("volumeName");
            if (spec.hasNonNull("storageClassName")) {
              spec.put("storageClassName", plan.targetStorageClass(spec.get("storageClassName").asText()));
            }
          }
        }
        default -> { }
      }
    } else if ("rbac.authorization.k8s.io".equals(group) && (kind.equals("RoleBinding") || kind.equals("ClusterRoleBinding"))) {
      for (JsonNode subject : out.path("subjects")) {
        if (subject.isObject() && "ServiceAccount".equals(subject.path("kind").asText()) && subject.hasNonNull("namespace")) {
          ((ObjectNode) subject).put("namespace", plan.targetNamespace(subject.get("namespace").asText()));
        }
      }
    }
    return out;
  }

  /** The labels of an object's metadata. */
  static Map<String, String> labels(JsonNode object) {
    Map<String, String> labels = new java.util.HashMap<>();
    object.path("metadata").path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
    return labels;
  }
}
