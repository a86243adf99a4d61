package dev.lifeboat.embedded.apiserver;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A request the API refuses, with the {@code Status} a real API server answers: its HTTP code, its
 * reason ({@code NotFound}, {@code AlreadyExists}, {@code Invalid}, {@code Conflict}, ...), its
 * message and its details, so that {@code kubectl} and client libraries print and classify it as
 * they would against a real cluster.
 */
final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  /** One invalid field: {@code metadata.name}, its reason and message. */
  record Cause(String field, String reason, String message) {
    static Cause required(String field, String detail) {
      return new Cause(field, "FieldValueRequired", "Required value: " + detail);
    }

    static Cause invalid(String field, Object value, String detail) {
      return new Cause(field, "FieldValueInvalid",
          "Invalid value: " + quoted(value) + ": " + detail);
    }

    private static String quoted(Object value) {
      return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    }
  }

  private final transient ObjectNode status;

  private ApiException(int code, String reason, String message, ObjectNode details) {
    super(message);
    this.status = JSON.objectNode().put("kind", "Status").put("apiVersion", "v1");
    status.putObject("metadata");
    status.put("status", "Failure").put("message", message).put("reason", reason);
    if (details != null) {
      status.set("details", details);
    }
    status.put("code", code);
  }

  int code() {
    return status.path("code").asInt();
  }

  ObjectNode status() {
    return status.deepCopy();
  }

  static ApiException notFound(ApiResourceType type, String name) {
    return new ApiException(404, "NotFound",
        type.qualifiedName() + " \"" + name + "\" not found", details(type, name));
  }

  /** A path no resource is served at. */
  static ApiException noResource() {
    return new ApiException(404, "NotFound", "the server could not find the requested resource",
        JSON.objectNode());
  }

  static ApiException alreadyExists(ApiResourceType type, String name) {
    return new ApiException(409, "AlreadyExists",
        type.qualifiedName() + " \"" + name + "\" already exists", details(type, name));
  }

  static ApiException conflict(ApiResourceType type, String name, String why) {
    return new ApiException(409, "Conflict",
        "Operation cannot be fulfilled on " + type.qualifiedName() + " \"" + name + "\": " + why,
        details(type, name));
  }

  /** 422 Invalid naming every bad field, as {@code <Kind> "<name>" is invalid: <field>: ...}. */
  static ApiException invalid(ApiResourceType type, String name, List<Cause> causes) {
    ObjectNode details = JSON.objectNode().put("name", name).put("group", type.group())
        .put("kind", type.kind());
    ArrayNode list = details.putArray("causes");
    StringBuilder message = new StringBuilder(type.kind() + " \"" + name + "\" is invalid: ");
    if (causes.size() > 1) {
      message.append('[');
    }
    for (int i = 0; i < causes.size(); i++) {
      Cause cause = causes.get(i);
      list.addObject().put("reason", cause.reason()).put("message", cause.message())
          .put("field", cause.field());
      message.append(i == 0 ? "" : ", ").append(cause.field()).append(": ").append(cause.message());
    }
    if (causes.size() > 1) {
      message.append(']');
    }
    return new ApiException(422, "Invalid", message.toString(), details);
  }

  static ApiException badRequest(String message) {
    return new ApiException(400, "BadRequest", message, null);
  }

  static ApiException forbidden(String message) {
    return new ApiException(403, "Forbidden", message, null);
  }

  static ApiException methodNotAllowed(String message) {
    return new ApiException(405, "MethodNotAllowed", message, null);
  }

  static ApiException unsupportedMediaType(String message) {
    return new ApiException(415, "UnsupportedMediaType", message, null);
  }

  static ApiException expired(String message) {
    return new ApiException(410, "Expired", message, null);
  }

  static ApiException internal(String message) {
    return new ApiException(500, "InternalError", message, null);
  }

  static ApiException unavailable(String message) {
    return new ApiException(503, "ServiceUnavailable", message, null);
  }

  /** Any code and reason, for the faults tests inject. */
  static ApiException of(int code, String reason, String message) {
    return new ApiException(code, reason, message, null);
  }

  private static ObjectNode details(ApiResourceType type, String name) {
    ObjectNode details = JSON.objectNode().put("name", name);
    if (!type.group().isEmpty()) {
      details.put("group", type.group());
    }
    return details.put("kind", type.plural());
  }
}
