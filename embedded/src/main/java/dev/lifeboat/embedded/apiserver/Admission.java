package dev.lifeboat.embedded.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;

/**
 * What the API server does to an object between the request and the store, as a real one does:
 * type and object metadata (uid, creationTimestamp, generation, generateName), the namespace of
 * the URL, a Secret's {@code stringData} folded into {@code data}, a Namespace's phase and
 * finalizer, a CustomResourceDefinition's status (names accepted, established), the status of a
 * custom resource whose definition has a status subresource kept apart from its spec, and then
 * {@link Validation}.
 */
final class Admission {

  private static final String GENERATE_CHARS = "bcdfghjklmnpqrstvwxz2456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Clock clock;

  Admission(Clock clock) {
    this.clock = clock;
  }

  /** Prepares a new object for {@code path} (a collection). */
  ObjectNode create(ResourcePath path, ObjectNode object) {
    ApiResourceType type = path.type();
    typeMeta(type, object);
    ObjectNode metadata = StoredObjects.metadata(object);
    if (StoredObjects.name(object).isEmpty() && !metadata.path("generateName").asText().isEmpty()) {
      StringBuilder name = new StringBuilder(metadata.path("generateName").asText());
      for (int i = 0; i < 5; i++) {
        name.append(GENERATE_CHARS.charAt(RANDOM.nextInt(GENERATE_CHARS.length())));
      }
      metadata.put("name", name.toString());
    }
    namespace(path, object);
    metadata.remove("resourceVersion");
    metadata.remove("selfLink");
    metadata.remove("deletionTimestamp");
    metadata.remove("deletionGracePeriodSeconds");
    metadata.put("uid", UUID.randomUUID().toString());
    metadata.put("creationTimestamp", now());
    metadata.put("generation", 1);
    if (type.custom() && type.serves("status")) {
      object.remove("status");
    }
    kindDefaults(type, object);
    Validation.check(type, object);
    return object;
  }

  /**
   * The object {@code path} will hold after a write of {@code updated} over {@code current}: the
   * name and namespace must match the URL, a resourceVersion in the request must be the current
   * one (409 Conflict otherwise), and what the client may not change is kept.
   */
  ObjectNode update(ResourcePath path, ObjectNode current, ObjectNode updated) {
    ApiResourceType type = path.type();
    typeMeta(type, updated);
    String name = StoredObjects.name(updated);
    if (!name.isEmpty() && !name.equals(path.name())) {
      throw ApiException.badRequest("the name of the object (" + name
          + ") does not match the name on the URL (" + path.name() + ")");
    }
    namespace(path, updated);
    String requested = updated.path("metadata").path("resourceVersion").asText("");
    String actual = current.path("metadata").path("resourceVersion").asText();
    if (!requested.isEmpty() && !requested.equals(actual)) {
      throw ApiException.conflict(type, path.name(),
          "the object has been modified; please apply your changes to the latest version and try again");
    }
    ObjectNode result;
    if ("status".equals(path.subresource())) {
      result = current.deepCopy();
      if (updated.has("status")) {
        result.set("status", updated.get("status").deepCopy());
      } else {
        result.remove("status");
      }
    } else {
      result = updated;
      if (type.custom() && type.serves("status")) {
        if (current.has("status")) {
          result.set("status", current.get("status").deepCopy());
        } else {
          result.remove("status");
        }
      }
    }
    ObjectNode metadata = StoredObjects.metadata(result);
    ObjectNode was = (ObjectNode) current.get("metadata");
    metadata.put("name", path.name());
    for (String kept : new String[] {"uid", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "generation"}) {
      if (was.has(kept)) {
        metadata.set(kept, was.get(kept).deepCopy());
      } else {
        metadata.remove(kept);
      }
    }
    metadata.put("resourceVersion", actual);
    kindDefaults(type, result);
    if (type == ResourceCatalog.CRDS && current.path("status").has("conditions")) {
      result.with("status").set("conditions", current.path("status").path("conditions").deepCopy());
    }
    if (specChanged(current, result)) {
      metadata.put("generation", was.path("generation").asLong(0) + 1);
    }
    Validation.check(type, result);
    return result;
  }

  /** Marks an object for deletion: it stays until its finalizers are removed. */
  ObjectNode markDeleted(ObjectNode object) {
    ObjectNode marked = object.deepCopy();
    ObjectNode metadata = StoredObjects.metadata(marked);
    if (!metadata.has("deletionTimestamp")) {
      metadata.put("deletionTimestamp", now());
      metadata.put("deletionGracePeriodSeconds", 0);
    }
    return marked;
  }

  static boolean hasFinalizers(JsonNode object) {
    JsonNode finalizers = object.path("metadata").path("finalizers");
    return finalizers.isArray() && !finalizers.isEmpty();
  }

  static boolean isDeleted(JsonNode object) {
    return object.path("metadata").hasNonNull("deletionTimestamp");
  }

  private String now() {
    return Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** Fills {@code apiVersion} and {@code kind} from the URL, refusing a body of another kind. */
  private static void typeMeta(ApiResourceType type, ObjectNode object) {
    String kind = object.path("kind").asText("");
    String apiVersion = object.path("apiVersion").asText("");
    if (!kind.isEmpty() && !kind.equals(type.kind())) {
      throw ApiException.badRequest("the kind in the data (" + kind
          + ") does not match the expected kind (" + type.kind() + ")");
    }
    String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    if (!apiVersion.isEmpty() && !(type.custom() ? group.equals(type.group())
        : apiVersion.equals(type.groupVersion()))) {
      throw ApiException.badRequest("the API version in the data (" + apiVersion
          + ") does not match the expected API version (" + type.groupVersion() + ")");
    }
    object.put("apiVersion", type.groupVersion());
    object.put("kind", type.kind());
  }

  private static void namespace(ResourcePath path, ObjectNode object) {
    ObjectNode metadata = StoredObjects.metadata(object);
    if (!path.type().namespaced()) {
      metadata.remove("namespace");
      return;
    }
    String namespace = metadata.path("namespace").asText("");
    if (!namespace.isEmpty() && !namespace.equals(path.namespace())) {
      throw ApiException.badRequest(
          "the namespace of the provided object does not match the namespace sent on the request");
    }
    metadata.put("namespace", path.namespace());
  }

  private void kindDefaults(ApiResourceType type, ObjectNode object) {
    if (type.custom()) {
      return;
    }
    if (type.group().isEmpty() && type.kind().equals("Secret")) {
      foldStringData(object);
      if (object.path("type").asText("").isEmpty()) {
        object.put("type", "Opaque");
      }
    } else if (type == ResourceCatalog.NAMESPACES) {
      String name = StoredObjects.name(object);
      StoredObjects.metadata(object).with("labels").put("kubernetes.io/metadata.name", name);
      ObjectNode spec = object.with("spec");
      if (!spec.has("finalizers")) {
        spec.putArray("finalizers").add("kubernetes");
      }
      object.with("status").put("phase", isDeleted(object) ? "Terminating" : "Active");
    } else if (type == ResourceCatalog.CRDS) {
      establish(object);
    }
  }

  /** A real API server writes {@code stringData} into {@code data} (base64) and keeps no stringData. */
  private static void foldStringData(ObjectNode secret) {
    JsonNode stringData = secret.remove("stringData");
    if (stringData == null || !stringData.isObject()) {
      return;
    }
    ObjectNode data = secret.with("data");
    for (Iterator<Map.Entry<String, JsonNode>> it = stringData.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      data.put(entry.getKey(), Base64.getEncoder()
          .encodeToString(entry.getValue().asText().getBytes(StandardCharsets.UTF_8)));
    }
  }

  /** What the apiextensions controller would report at once: names accepted, established. */
  private void establish(ObjectNode crd) {
    ObjectNode status = crd.putObject("status");
    status.set("acceptedNames", crd.path("spec").path("names").deepCopy());
    ArrayNode conditions = status.putArray("conditions");
    for (String condition : new String[] {"NamesAccepted", "Established"}) {
      conditions.addObject().put("type", condition).put("status", "True")
          .put("lastTransitionTime", now())
          .put("reason", condition.equals("Established") ? "InitialNamesAccepted" : "NoConflicts")
          .put("message", condition.equals("Established")
              ? "the initial names have been accepted" : "no conflicts found");
    }
    ArrayNode stored = status.putArray("storedVersions");
    for (JsonNode version : crd.path("spec").path("versions")) {
      if (version.path("storage").asBoolean(false)) {
        stored.add(version.path("name").asText());
      }
    }
  }

  /** Whether anything but metadata and status differs: what raises a real object's generation. */
  private static boolean specChanged(ObjectNode current, ObjectNode updated) {
    ObjectNode a = current.deepCopy();
    ObjectNode b = updated.deepCopy();
    a.remove(java.util.List.of("metadata", "status"));
    b.remove(java.util.List.of("metadata", "status"));
    return !a.equals(b);
  }
}
