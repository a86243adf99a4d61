package dev.lifeboat.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lifeboat.repository.resources.ResourceDocument;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which objects a Restore takes: namespaces (none named: every namespace and the cluster-scoped
 * objects), kinds as kubectl names them ({@code Deployment}, {@code deployments}, {@code
 * deployments.apps}) and a label selector.
 */
final class ObjectFilter {
  private final List<String> namespaces;
  private final List<String> kinds;
  private final LabelSelector selector;

  ObjectFilter(List<String> namespaces, List<String> kinds, String labelSelector) {
    this.namespaces = namespaces;
    this.kinds = kinds;
    this.selector = labelSelector == null || labelSelector.isBlank() ? null : LabelSelector.parse(labelSelector);
  }

  static ObjectFilter of(ValidatedRestore restore) {
    return new ObjectFilter(restore.namespaces(), restore.kinds(), restore.labelSelector());
  }

  /** Whether objects filed under this namespace (or {@link ResourceDocument#CLUSTER_SCOPED}) are read at all. */
  boolean takesNamespace(String namespace) {
    return namespaces.isEmpty() || namespaces.contains(namespace);
  }

  boolean takes(ResourceDocument document) {
    if (!takesNamespace(document.namespaceOrCluster())) {
      return false;
    }
    if (!kinds.isEmpty() && kinds.stream().noneMatch(k -> kindMatches(k, document.group(), document.kind()))) {
      return false;
    }
    return selector == null || selector.matches(labels(document));
  }

  /** {@code Deployment}, {@code deployment}, {@code deployments}, {@code deployments.apps}, {@code Deployment.apps}. */
  static boolean kindMatches(String filter, String group, String kind) {
    String name = filter;
    String filterGroup = null;
    int dot = filter.indexOf('.');
    if (dot > 0) {
      name = filter.substring(0, dot);
      filterGroup = filter.substring(dot + 1);
    }
    if (filterGroup != null && !filterGroup.equals(group == null ? "" : group)) {
      return false;
    }
    String k = kind.toLowerCase(Locale.ROOT);
    String n = name.toLowerCase(Locale.ROOT);
    return n.equals(k) || n.equals(k + "s") || n.equals(k + "es") || (k.endsWith("y") && n.equals(k.substring(0, k.length() - 1) + "ies"));
  }

  private static Map<String, String> labels(ResourceDocument document) {
    Map<String, String> labels = new LinkedHashMap<>();
    JsonNode tree = document.objectTree();
    if (tree != null) {
      tree.path("metadata").path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
    }
    return labels;
  }
}
