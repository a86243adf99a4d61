package dev.lifeboat.embedded.apiserver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * Objects as the registry holds them: JSON without {@code metadata.resourceVersion}, which is the
 * key's modification revision and is set on every read, as a real API server does.
 */
final class StoredObjects {

  static final ObjectMapper JSON = new ObjectMapper();

  private StoredObjects() {}

  /** The bytes to store for {@code object}, whose resourceVersion is left out. */
  static byte[] encode(ObjectNode object) {
    ObjectNode copy = object.deepCopy();
    ObjectNode metadata = metadata(copy);
    metadata.remove("resourceVersion");
    metadata.remove("selfLink");
    try {
      return JSON.writeValueAsBytes(copy);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode an object", e);
    }
  }

  /** The stored object as of {@code modRevision}, served as {@code type}'s group and version. */
  static ObjectNode decode(byte[] value, long modRevision, ApiResourceType type) {
    ObjectNode object = parse(value);
    metadata(object).put("resourceVersion", Long.toString(modRevision));
    if (type != null && type.custom()) {
      object.put("apiVersion", type.groupVersion());
    }
    return object;
  }

  /** A request body or stored value as a JSON object. */
  static ObjectNode parse(byte[] value) {
    try {
      JsonNode node = JSON.readTree(value);
      if (node == null || !node.isObject()) {
        throw ApiException.badRequest("the body is not a JSON object");
      }
      return (ObjectNode) node;
    } catch (IOException e) {
      throw ApiException.badRequest("the body is not valid JSON: " + e.getMessage());
    }
  }

  /** A request body as any JSON value. */
  static JsonNode parseAny(byte[] value) {
    try {
      JsonNode node = JSON.readTree(value);
      if (node == null) {
        throw ApiException.badRequest("the body is empty");
      }
      return node;
    } catch (IOException e) {
      throw ApiException.badRequest("the body is not valid JSON: " + e.getMessage());
    }
  }

  static byte[] bytes(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode JSON", e);
    }
  }

  /** The object's metadata, created empty if missing. */
  static ObjectNode metadata(ObjectNode object) {
    JsonNode metadata = object.get("metadata");
    if (metadata instanceof ObjectNode m) {
      return m;
    }
    return object.putObject("metadata");
  }

  static String name(JsonNode object) {
    return object.path("metadata").path("name").asText("");
  }

  static String namespace(JsonNode object) {
    return object.path("metadata").path("namespace").asText("");
  }
}
