package dev.lifeboat.watcher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lifeboat.kube.LifeboatLabels;
import java.util.function.Predicate;

/**
 * Which objects the watcher backs up: those of the configured namespaces, except Lifeboat's own
 * scratch objects (labelled {@link LifeboatLabels#SCRATCH}) and whatever the cluster itself puts into
 * a scratch namespace (its root CA, its default service account).
 */
final class WatchScope {
  private final KindFilter filter;
  private final Predicate<String> scratchNamespace;

  /** @param scratchNamespace whether a namespace, by name, is labelled {@link LifeboatLabels#SCRATCH} (false if unknown) */
  WatchScope(KindFilter filter, Predicate<String> scratchNamespace) {
    this.filter = filter;
    this.scratchNamespace = scratchNamespace;
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
    return scratchNamespace.test(namespace);
  }
}
