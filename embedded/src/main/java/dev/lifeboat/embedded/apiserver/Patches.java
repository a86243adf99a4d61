package dev.lifeboat.embedded.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The patch types a real API server accepts: JSON patch (RFC 6902), JSON merge patch (RFC 7386)
 * and strategic merge patch. The strategic merge here is a JSON merge patch that also merges lists
 * of objects by the keys Kubernetes declares for the common ones ({@code containers} and {@code
 * env} by {@code name}, {@code volumeMounts} by {@code mountPath}, ...) and honours the directives
 * {@code kubectl apply} sends ({@code $patch}, {@code $setElementOrder/...}, {@code $retainKeys},
 * {@code $deleteFromPrimitiveList/...}); it knows no schema, so other lists are replaced.
 */
final class Patches {

  static final String JSON_PATCH = "application/json-patch+json";
  static final String MERGE_PATCH = "application/merge-patch+json";
  static final String STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
  static final String APPLY_PATCH = "application/apply-patch+yaml";

  /** List fields merged element by element, and the key that identifies an element. */
  private static final Map<String, List<String>> MERGE_KEYS = Map.ofEntries(
      Map.entry("containers", List.of("name")),
      Map.entry("initContainers", List.of("name")),
      Map.entry("ephemeralContainers", List.of("name")),
      Map.entry("env", List.of("name")),
      Map.entry("volumes", List.of("name")),
      Map.entry("imagePullSecrets", List.of("name")),
      Map.entry("volumeMounts", List.of("mountPath")),
      Map.entry("volumeDevices", List.of("devicePath")),
      Map.entry("ports", List.of("containerPort", "port")),
      Map.entry("conditions", List.of("type")),
      Map.entry("ownerReferences", List.of("uid")),
      Map.entry("hostAliases", List.of("ip")),
      Map.entry("topologySpreadConstraints", List.of("topologyKey")),
      Map.entry("resourceClaims", List.of("name")));

  /** Primitive lists merged as sets. */
  private static final List<String> MERGED_PRIMITIVE_LISTS = List.of("finalizers");

  private Patches() {}

  static ObjectNode apply(String contentType, ObjectNode current, byte[] patch) {
    switch (contentType) {
      case JSON_PATCH:
        return JsonPatch.apply(current, StoredObjects.parseAny(patch));
      case MERGE_PATCH:
        return asObject(merge(current, StoredObjects.parse(patch), false));
      case STRATEGIC_MERGE_PATCH:
        return asObject(merge(current, StoredObjects.parse(patch), true));
      default:
        throw ApiException.unsupportedMediaType("the body of the request was in an unknown format - "
            + "accepted media types include: " + JSON_PATCH + ", " + MERGE_PATCH + ", "
            + STRATEGIC_MERGE_PATCH + ", " + APPLY_PATCH);
    }
  }

  /** RFC 7386, or a strategic merge when {@code strategic}. */
  static JsonNode merge(JsonNode target, JsonNode patch, boolean strategic) {
    if (!patch.isObject()) {
      return patch.deepCopy();
    }
    if (strategic && "replace".equals(patch.path("$patch").asText())) {
      ObjectNode replaced = patch.deepCopy();
      replaced.remove("$patch");
      return replaced;
    }
    ObjectNode result = target != null && target.isObject() ? (ObjectNode) target.deepCopy()
        : StoredObjects.JSON.createObjectNode();
    if (strategic && patch.has("$retainKeys")) {
      List<String> retain = StoredObjects.JSON.convertValue(patch.get("$retainKeys"),
          StoredObjects.JSON.getTypeFactory().constructCollectionType(List.class, String.class));
      result.retain(retain);
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String name = field.getKey();
      JsonNode value = field.getValue();
      if (strategic && name.startsWith("$")) {
        if (name.startsWith("$deleteFromPrimitiveList/")) {
          String list = name.substring(name.indexOf('/') + 1);
          if (result.get(list) instanceof ArrayNode existing) {
            removeAll(existing, value);
          }
        }
        continue;
      }
      if (value.isNull()) {
        result.remove(name);
      } else if (strategic && value.isArray() && result.get(name) instanceof ArrayNode existing) {
        result.set(name, mergeList(name, existing, (ArrayNode) value));
      } else {
        result.set(name, merge(result.get(name), value, strategic));
      }
    }
    return result;
  }

  private static JsonNode mergeList(String name, ArrayNode current, ArrayNode patch) {
    if (MERGED_PRIMITIVE_LISTS.contains(name)) {
      ArrayNode merged = current.deepCopy();
      for (JsonNode v : patch) {
        if (!contains(merged, v)) {
          merged.add(v.deepCopy());
        }
      }
      return merged;
    }
    String key = mergeKey(name, current, patch);
    if (key == null) {
      ArrayNode replaced = StoredObjects.JSON.createArrayNode();
      patch.forEach(v -> {
        if (!v.has("$patch")) {
          replaced.add(v.deepCopy());
        }
      });
      return replaced;
    }
    Map<String, JsonNode> byKey = new LinkedHashMap<>();
    current.forEach(e -> byKey.put(e.path(key).asText(), e));
    for (JsonNode element : patch) {
      String id = element.path(key).asText();
      if ("delete".equals(element.path("$patch").asText())) {
        byKey.remove(id);
      } else {
        byKey.put(id, merge(byKey.get(id), element, true));
      }
    }
    ArrayNode merged = StoredObjects.JSON.createArrayNode();
    byKey.values().forEach(merged::add);
    return merged;
  }

  /** The merge key of a list of objects, if Kubernetes declares one that its elements carry. */
  private static String mergeKey(String name, ArrayNode current, ArrayNode patch) {
    for (String key : MERGE_KEYS.getOrDefault(name, List.of())) {
      if (allHave(current, key) && allHave(patch, key)) {
        return key;
      }
    }
    return null;
  }

  private static boolean allHave(ArrayNode list, String key) {
    for (JsonNode e : list) {
      if (!e.isObject() || !(e.has(key) || e.has("$patch"))) {
        return false;
      }
    }
    return true;
  }

  private static boolean contains(ArrayNode list, JsonNode value) {
    for (JsonNode e : list) {
      if (e.equals(value)) {
        return true;
      }
    }
    return false;
  }

  private static void removeAll(ArrayNode list, JsonNode values) {
    for (int i = list.size() - 1; i >= 0; i--) {
      if (values.isArray() && contains((ArrayNode) values, list.get(i))) {
        list.remove(i);
      }
    }
  }

  private static ObjectNode asObject(JsonNode node) {
    if (!node.isObject()) {
      throw ApiException.badRequest("the patch does not leave an object");
    }
    return (ObjectNode) node;
  }
}
