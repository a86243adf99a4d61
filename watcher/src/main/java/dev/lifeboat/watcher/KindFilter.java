package dev.lifeboat.watcher;

import dev.lifeboat.watcher.WatcherConfig;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Decides which discovered kinds and which namespaces are watched. By default every kind that can be
 * listed and watched, except kinds that are derived from others or churn without meaning for a
 * restore (events, leases, endpoints, endpoint slices, component statuses). A kind is named by its
 * Kind, its resource name, or either with its group: {@code Deployment}, {@code deployments},
 * {@code deployments.apps}, {@code Deployment.apps}; matching ignores case.
 */
public final class KindFilter {
  /** Derived or meaningless for a restore; users can still include them explicitly. */
  static final List<String> BUILT_IN_EXCLUSIONS = List.of("events", "events.events.k8s.io", "leases.coordination.k8s.io",
      "endpoints", "endpointslices.discovery.k8s.io", "componentstatuses", "bindings");

  private final List<String> include;
  private final List<String> exclude;
  private final Set<String> includeNamespaces;
  private final Set<String> excludeNamespaces;

  public KindFilter(WatcherConfig config) {
    this.include = lower(config.includeKinds());
    this.exclude = lower(config.excludeKinds());
    this.includeNamespaces = Set.copyOf(config.includeNamespaces());
    this.excludeNamespaces = Set.copyOf(config.excludeNamespaces());
  }

  public boolean watches(WatchedKind kind) {
    if (!include.isEmpty()) {
      return matchesAny(kind, include) && !matchesAny(kind, exclude);
    }
    return !matchesAny(kind, BUILT_IN_EXCLUSIONS) && !matchesAny(kind, exclude);
  }

  /** Whether objects of this namespace are watched; {@code null} or empty: cluster-scoped, always watched. */
  public boolean watchesNamespace(String namespace) {
    if (namespace == null || namespace.isEmpty()) {
      return true;
    }
    return (includeNamespaces.isEmpty() || includeNamespaces.contains(namespace)) && !excludeNamespaces.contains(namespace);
  }

  private static boolean matchesAny(WatchedKind kind, List<String> names) {
    String plural = kind.plural().toLowerCase(Locale.ROOT);
    String singular = kind.kind().toLowerCase(Locale.ROOT);
    String group = kind.group().toLowerCase(Locale.ROOT);
    for (String name : names) {
      boolean unqualified = name.equals(plural) || name.equals(singular);
      boolean qualified = !group.isEmpty() && (name.equals(plural + "." + group) || name.equals(singular + "." + group));
      if (unqualified || qualified) {
        return true;
      }
    }
    return false;
  }

  private static List<String> lower(List<String> names) {
    return names.stream().map(n -> n.trim().toLowerCase(Locale.ROOT)).toList();
  }
}
