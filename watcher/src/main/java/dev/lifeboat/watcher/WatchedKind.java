package dev.lifeboat.watcher;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/** One API resource the watcher keeps informed about: a kind at its preferred version. */
public record WatchedKind(String group, String version, String kind, String plural, boolean namespaced) {

  public String apiVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  /** {@code deployments.apps}, {@code configmaps}: how kubectl names a resource. */
  public String resourceName() {
    return group.isEmpty() ? plural : plural + "." + group;
  }

  /** Group and kind without the version: the same kind at another version is the same kind. */
  public String groupKind() {
    return group.isEmpty() ? kind : kind + "." + group;
  }

  public ResourceDefinitionContext context() {
    return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withKind(kind)
        .withPlural(plural).withNamespaced(namespaced).build();
  }

  /** The RBAC rule that grants what the watcher needs on this kind. */
  public String rbacRule() {
    return "{apiGroups: [\"" + group + "\"], resources: [\"" + plural + "\"], verbs: [\"get\", \"list\", \"watch\"]}";
  }

  @Override
  public String toString() {
    return resourceName() + " (" + apiVersion() + " " + kind + ")";
  }
}
