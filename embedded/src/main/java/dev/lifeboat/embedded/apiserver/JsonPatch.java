package dev.lifeboat.embedded.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** RFC 6902 JSON patch: add, remove, replace, move, copy and test. */
final class JsonPatch {

  private JsonPatch() {}

  static ObjectNode apply(ObjectNode document, JsonNode patch) {
    if (!patch.isArray()) {
      throw ApiException.badRequest("a JSON patch must be an array of operations");
    }
    JsonNode result = document.deepCopy();
    for (JsonNode operation : patch) {
      result = applyOne(result, operation);
    }
    if (!result.isObject()) {
      throw ApiException.badRequest("the patch does not leave an object");
    }
    return (ObjectNode) result;
  }

  private static JsonNode applyOne(JsonNode document, JsonNode operation) {
    String op = operation.path("op").asText();
    String path = operation.path("path").asText(null);
    if (path == null) {
      throw invalid("missing path in operation " + operation);
    }
    switch (op) {
      case "add":
        return add(document, path, value(operation));
      case "remove":
        remove(document, path);
        return document;
      case "replace":
        remove(document, path);
        return add(document, path, value(operation));
      case "move": {
        String from = operation.path("from").asText();
        JsonNode moved = get(document, from);
        remove(document, from);
        return add(document, path, moved);
      }
      case "copy":
        return add(document, path, get(document, operation.path("from").asText()).deepCopy());
      case "test":
        if (!get(document, path).equals(value(operation))) {
          throw invalid("test failed at " + path);
        }
        return document;
      default:
        throw invalid("unknown operation " + op);
    }
  }

  private static JsonNode value(JsonNode operation) {
    if (!operation.has("value")) {
      throw invalid("missing value in operation " + operation);
    }
    return operation.get("value").deepCopy();
  }

  private static JsonNode add(JsonNode document, String path, JsonNode value) {
    if (path.isEmpty()) {
      return value;
    }
    JsonNode parent = get(document, parentOf(path));
    String last = lastOf(path);
    if (parent instanceof ObjectNode object) {
      object.set(last, value);
    } else if (parent instanceof ArrayNode array) {
      if (last.equals("-")) {
        array.add(value);
      } else {
        int index = index(last, array.size() + 1, path);
        array.insert(index, value);
      }
    } else {
      throw invalid("cannot add at " + path + ": its parent is not an object or array");
    }
    return document;
  }

  private static void remove(JsonNode document, String path) {
    JsonNode parent = get(document, parentOf(path));
    String last = lastOf(path);
    if (parent instanceof ObjectNode object && object.has(last)) {
      object.remove(last);
    } else if (parent instanceof ArrayNode array) {
      array.remove(index(last, array.size(), path));
    } else {
      throw invalid("cannot remove " + path + ": it does not exist");
    }
  }

  private static JsonNode get(JsonNode document, String path) {
    JsonNode node = path.isEmpty() ? document : document.at(path);
    if (node.isMissingNode()) {
      throw invalid("the path " + path + " does not exist");
    }
    return node;
  }

  private static String parentOf(String path) {
    return path.substring(0, path.lastIndexOf('/'));
  }

  private static String lastOf(String path) {
    return path.substring(path.lastIndexOf('/') + 1).replace("~1", "/").replace("~0", "~");
  }

  private static int index(String token, int bound, String path) {
    try {
      int index = Integer.parseInt(token);
      if (index < 0 || index >= bound) {
        throw invalid("index out of range in " + path);
      }
      return index;
    } catch (NumberFormatException e) {
      throw invalid("not an array index in " + path);
    }
  }

  private static ApiException invalid(String message) {
    return ApiException.of(422, "Invalid", "the JSON patch cannot be applied: " + message);
  }
}
