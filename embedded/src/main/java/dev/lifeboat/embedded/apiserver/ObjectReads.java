package dev.lifeboat.embedded.apiserver;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** GET of one object, of its status or scale, and of a collection (with selectors and pages). */
final class ObjectReads {

  private final ObjectRegistry registry;

  ObjectReads(ObjectRegistry registry) {
    this.registry = registry;
  }

  ObjectNode get(ResourcePath path) {
    ObjectNode object = registry.require(path).object();
    return "scale".equals(path.subresource()) ? Scale.of(object) : object;
  }

  /**
   * A list as a real API server sends it: {@code <Kind>List} with the resourceVersion it was read
   * at and, when {@code limit} cut it short, a {@code continue} token for the rest.
   */
  ObjectNode list(ResourcePath path, ApiRequest request) {
    Selector selector = Selector.of(request.param("labelSelector"), request.param("fieldSelector"));
    int limit = parseLimit(request.param("limit"));
    String after = decodeContinue(path, request.param("continue"));
    ObjectRegistry.Listed listed = registry.list(path.type(), path.prefix(), selector, limit, after);
    ObjectNode list = StoredObjects.JSON.createObjectNode();
    list.put("kind", path.type().kind() + "List").put("apiVersion", path.type().groupVersion());
    ObjectNode metadata = list.putObject("metadata");
    metadata.put("resourceVersion", Long.toString(listed.revision()));
    if (listed.next() != null) {
      metadata.put("continue", Base64.getUrlEncoder().withoutPadding()
          .encodeToString(listed.next().getBytes(StandardCharsets.UTF_8)));
    }
    ArrayNode items = list.putArray("items");
    listed.items().forEach(items::add);
    return list;
  }

  private static int parseLimit(String limit) {
    if (limit == null || limit.isEmpty()) {
      return 0;
    }
    try {
      return (int) Math.min(Math.max(Long.parseLong(limit), 0), Integer.MAX_VALUE);
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("invalid limit: " + limit);
    }
  }

  /** The key a continue token resumes after; it must lie under the listed prefix. */
  private static String decodeContinue(ResourcePath path, String token) {
    if (token == null || token.isEmpty()) {
      return null;
    }
    try {
      String key = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      if (!key.startsWith(path.prefix())) {
        throw ApiException.badRequest("invalid continue token");
      }
      return key;
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("invalid continue token");
    }
  }
}
