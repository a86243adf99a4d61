package dev.lifeboat.restore;

import java.util.List;

/**
 * The order kinds are restored in: what others depend on first. Each entry is one level; kinds not
 * listed form the last level. Within a level objects are restored in parallel.
 */
public final class RestorePriorities {
  /**
   * Velero's order: definitions, namespaces, storage and scheduling classes, identities and RBAC,
   * configuration, storage, services, workloads (controllers before the pods they would create).
   */
  public static final List<String> DEFAULT = List.of(
      "customresourcedefinitions.apiextensions.k8s.io",
      "namespaces",
      "storageclasses.storage.k8s.io",
      "volumesnapshotclasses.snapshot.storage.k8s.io",
      "priorityclasses.scheduling.k8s.io",
      "serviceaccounts",
      "clusterroles.rbac.authorization.k8s.io",
      "clusterrolebindings.rbac.authorization.k8s.io",
      "roles.rbac.authorization.k8s.io",
      "rolebindings.rbac.authorization.k8s.io",
      "configmaps",
      "secrets",
      "limitranges",
      "resourcequotas",
      "persistentvolumes",
      "persistentvolumeclaims",
      "services",
      "deployments.apps",
      "statefulsets.apps",
      "daemonsets.apps",
      "replicasets.apps",
      "jobs.batch",
      "cronjobs.batch",
      "pods");

  private final List<String> order;

  RestorePriorities(List<String> order) {
    this.order = order.isEmpty() ? DEFAULT : List.copyOf(order);
  }

  /** The level of a kind: its position in the order, or one past the end when it is not listed. */
  int level(String group, String kind, String plural) {
    for (int i = 0; i < order.size(); i++) {
      if (KindNames.matches(order.get(i), group, kind, plural)) {
        return i;
      }
    }
    return order.size();
  }

  /** What a level holds, for logs and progress. */
  String describe(int level) {
    return level < order.size() ? order.get(level) : "everything else";
  }

  static boolean isCrd(String group, String kind) {
    return "apiextensions.k8s.io".equals(group) && "CustomResourceDefinition".equals(kind);
  }

  static boolean isNamespace(String group, String kind) {
    return group.isEmpty() && "Namespace".equals(kind);
  }
}
