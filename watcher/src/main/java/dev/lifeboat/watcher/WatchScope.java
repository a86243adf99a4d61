package dev.lifeboat.watcher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lifeboat.kube.LifeboatLabels;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.function.Function;

/**
 * Which objects the watcher backs up: those of the configured namespaces, except Lifeboat's own
 * scratch objects (labelled {@link LifeboatLabels#SCRATCH}) and whatever the cluster itself puts into
 * a scratch namespace (its root CA, its default service account).
 */
final class WatchScope {
  private final KindFilter filter;
  private final Function<String, GenericKubernetesResource> namespaces;

  /** @param namespaces a namespace by name, as the Namespace informer's cache holds it (null if unknown) */
  WatchScope(KindFilter filter, Function<String, GenericKubernetesResource> namespaces) {
    this.filter = filter;
    this.namespaces = namespaces;
  }

  boolean watched(WatchedKind kind, JsonNode object) {
    JsonNode metadata = object.path("metadata");
    if (LifeboatLabels.isScratch(metadata.path("labels"))) {
      return false;
    }
    if (kind.namespaced() && inScratchNamespace(metadata.path("namespace").asText(""))) {
      return false;
    }
    String namespace = kind.namespaced() ? metadata.path("namespace").asText("")
        : kind.group().isEmpty() && kind.kind().equals("Namespace") ? metadata.path("name").asText("") : "";
    return filter.watchesNamespace(namespace);
  }

  private boolean inScratchNamespace(String namespace) {
    if (namespace.isEmpty()) {
      return false;
    }
    GenericKubernetesResource ns = namespaces.apply(namespace);
    return ns != null && ns.getMetadata() != null && ns.getMetadata().getLabels() != null
        && ns.getMetadata().getLabels().containsKey(LifeboatLabels.SCRATCH);
  }
}
