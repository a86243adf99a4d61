package dev.lifeboat.restore;

import dev.lifeboat.repository.resources.ResourceDocument;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The namespaces a restore writes into, made ready before the first object of a level goes there:
 * created when missing (with the source Namespace's labels and the plan's namespace labels; in a
 * dry run only noted), and, for an inert plan, guarded ({@link InertTransform#guards}) before
 * anything else is written into them.
 */
final class TargetNamespaces {
  private final KubernetesClient target;
  private final ResourceRestorePlan plan;
  private final TargetWrites writes;
  private final Map<String, ResourceDocument> sourceNamespaces = new HashMap<>();
  private final Set<String> ready = ConcurrentHashMap.newKeySet();
  private final List<String> created = new CopyOnWriteArrayList<>();
  private final List<String> guarded = new CopyOnWriteArrayList<>();

  TargetNamespaces(KubernetesClient target, ResourceRestorePlan plan, TargetWrites writes) {
    this.target = target;
    this.plan = plan;
    this.writes = writes;
  }

  /** A Namespace object of the source, whose labels a namespace created for its objects takes. */
  void sourceNamespace(ResourceDocument namespace) {
    sourceNamespaces.put(namespace.name(), namespace);
  }

  /**
   * Makes the namespaces of one level ready.
   *
   * @param wanted target namespace of the level's objects, to the source namespace they come from
   * @param restoredHere namespaces restored as objects in this level (with their own labels)
   */
  void prepare(Map<String, String> wanted, Set<String> restoredHere) {
    ready.addAll(restoredHere);
    for (Map.Entry<String, String> ns : wanted.entrySet()) {
      String name = ns.getKey();
      if (!ready.add(name)) {
        continue;
      }
      if (target.namespaces().withName(name).get() == null) {
        if (!plan.dryRun()) {
          Map<String, String> labels = new TreeMap<>();
          ResourceDocument original = sourceNamespaces.get(ns.getValue());
          if (original != null) {
            labels.putAll(ObjectTransforms.labels(original.objectTree()));
          }
          labels.put("kubernetes.io/metadata.name", name);
          labels.putAll(plan.namespaceLabels());
          writes.createNamespace(new NamespaceBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
              .build());
        }
        created.add(name);
      }
    }
    if (plan.inert() && !plan.dryRun()) {
      for (String name : wanted.keySet()) {
        if (!guarded.contains(name)) {
          for (HasMetadata guard : InertTransform.guards(name, plan.objectLabels())) {
            writes.createGuard(guard);
          }
          guarded.add(name);
        }
      }
    }
  }

  /** Namespaces the restore created (in a dry run: would create). */
  List<String> created() {
    return List.copyOf(created);
  }

  /** Namespaces an inert restore guarded. */
  List<String> guarded() {
    return List.copyOf(guarded);
  }
}
