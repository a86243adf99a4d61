package dev.lifeboat.embedded.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/** The {@code scale} subresource ({@code autoscaling/v1 Scale}) of a workload's {@code spec.replicas}. */
final class Scale {

  private Scale() {}

  static ObjectNode of(ObjectNode object) {
    ObjectNode scale = StoredObjects.JSON.createObjectNode();
    scale.put("kind", "Scale").put("apiVersion", "autoscaling/v1");
    ObjectNode metadata = scale.putObject("metadata");
    JsonNode from = object.path("metadata");
    for (String field : new String[] {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"}) {
      if (from.has(field)) {
        metadata.set(field, from.get(field).deepCopy());
      }
    }
    scale.putObject("spec").put("replicas", object.path("spec").path("replicas").asInt(1));
    ObjectNode status = scale.putObject("status");
    status.put("replicas", object.path("status").path("replicas").asInt(0));
    String selector = selector(object.path("spec").path("selector"));
    if (!selector.isEmpty()) {
      status.put("selector", selector);
    }
    return scale;
  }

  /** The object with the replicas a Scale asks for. */
  static ObjectNode apply(ObjectNode object, ObjectNode scale) {
    ObjectNode updated = object.deepCopy();
    updated.with("spec").put("replicas", scale.path("spec").path("replicas").asInt());
    String version = scale.path("metadata").path("resourceVersion").asText("");
    if (!version.isEmpty()) {
      StoredObjects.metadata(updated).put("resourceVersion", version);
    } else {
      StoredObjects.metadata(updated).remove("resourceVersion");
    }
    return updated;
  }

  private static String selector(JsonNode selector) {
    JsonNode labels = selector.has("matchLabels") ? selector.path("matchLabels") : selector;
    StringBuilder text = new StringBuilder();
    for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> label = it.next();
      if (label.getValue().isTextual()) {
        text.append(text.length() == 0 ? "" : ",").append(label.getKey()).append('=')
            .append(label.getValue().asText());
      }
    }
    return text.toString();
  }
}
