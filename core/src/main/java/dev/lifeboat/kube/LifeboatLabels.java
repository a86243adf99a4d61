package dev.lifeboat.kube;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Labels Lifeboat puts on the Kubernetes objects it creates for itself. Objects carrying {@link
 * #SCRATCH} (the scratch namespaces of a verification, and every object restored into them) are
 * Lifeboat's own: the watcher does not back them up.
 */
public final class LifeboatLabels {
  /** On every scratch namespace and scratch object of a verification; its value is the verification's id. */
  public static final String SCRATCH = "lifeboat.dev/verification";

  private LifeboatLabels() {}

  /** Whether an object's {@code metadata.labels} mark it as Lifeboat's own scratch object. */
  public static boolean isScratch(JsonNode labels) {
    return labels != null && labels.isObject() && labels.has(SCRATCH);
  }
}
