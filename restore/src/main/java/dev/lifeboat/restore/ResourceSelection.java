package dev.lifeboat.restore;

import dev.lifeboat.repository.resources.ResourceDocument;
import java.util.function.BinaryOperator;

/**
 * Which objects of a snapshot a resource restore plan selects: its policy for cluster-scoped objects,
 * its namespaces, its kinds (by kind, resource or either with a group) and its label selector.
 */
final class ResourceSelection {
  private final ResourceRestorePlan plan;
  private final LabelSelector selector;
  private final BinaryOperator<String> plural;

  /** {@code plural}: the resource name of a group and kind on the target, or null when it has none. */
  ResourceSelection(ResourceRestorePlan plan, BinaryOperator<String> plural) {
    this.plan = plan;
    this.selector = new LabelSelector(plan.labelSelector());
    this.plural = plural;
  }

  boolean selects(ResourceDocument d) {
    String group = d.group() == null ? "" : d.group();
    boolean clusterScoped = d.namespace() == null || d.namespace().isEmpty();
    if (clusterScoped) {
      switch (plan.clusterScoped()) {
        case NONE -> {
          return false;
        }
        case DEFINITIONS -> {
          if (!RestorePriorities.isCrd(group, d.kind())) {
            return false;
          }
        }
        default -> { }
      }
      // with a namespace filter, only the selected namespaces' own Namespace objects
      if (RestorePriorities.isNamespace(group, d.kind()) && !plan.namespaces().isEmpty()
          && !plan.namespaces().contains(d.name())) {
        return false;
      }
    } else if (!plan.namespaces().isEmpty() && !plan.namespaces().contains(d.namespace())) {
      return false;
    }
    if (!plan.kinds().isEmpty() && plan.kinds().stream().noneMatch(k -> KindNames.matches(k, group, d.kind(),
        plural.apply(group, d.kind())))) {
      return false;
    }
    return selector.selectsEverything() || selector.matches(ObjectTransforms.labels(d.objectTree()));
  }
}
