package dev.lifeboat.schemas.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeboat.schemas.registry.RegistryState.StoredVersion;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The REST resources of Confluent's schema registry, mapped onto {@link RegistryService}: which
 * path and method does what, what a request body must hold and what a response body looks like.
 */
final class RegistryRoutes {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A request, with the path's variable segments in order, already decoded. */
  record Request(List<String> params, Map<String, String> query, byte[] body) {
    String param(int index) {
      return params.get(index);
    }

    boolean flag(String name) {
      return Boolean.parseBoolean(query.getOrDefault(name, "false"));
    }

    JsonNode json() {
      try {
        JsonNode node = body.length == 0 ? null : JSON.readTree(body);
        if (node == null || !node.isObject()) {
          throw new RegistryException(400, 400, "Request body must be a JSON object");
        }
        return node;
      } catch (JsonProcessingException e) {
        throw new RegistryException(400, 400, "Unparsable JSON in request body: " + e.getOriginalMessage());
      } catch (IOException e) {
        throw new RegistryException(400, 400, "Unreadable request body: " + e.getMessage());
      }
    }
  }

  /** A response: status and JSON text. */
  record Response(int status, String json) {}

  @FunctionalInterface
  private interface Action {
    Object handle(Request request);
  }

  private record Route(String method, List<String> template, Action action) {}

  private final RegistryService service;
  private final List<Route> routes = new ArrayList<>();

  RegistryRoutes(RegistryService service) {
    this.service = service;
    add("GET", "", r -> JSON.createObjectNode());
    add("GET", "subjects", this::subjects);
    add("GET", "subjects/*/versions", r -> service.versions(r.param(0), r.flag("deleted")));
    add("POST", "subjects/*/versions", this::register);
    add("GET", "subjects/*/versions/*",
        r -> versionJson(service.version(r.param(0), r.param(1), r.flag("deleted"))));
    add("GET", "subjects/*/versions/*/schema",
        r -> new RawJson(service.version(r.param(0), r.param(1), r.flag("deleted")).schema().text()));
    add("POST", "subjects/*",
        r -> versionJson(service.lookup(r.param(0), schemaText(r), r.flag("deleted"))));
    add("DELETE", "subjects/*", r -> service.deleteSubject(r.param(0), r.flag("permanent")));
    add("GET", "schemas/ids/*", r -> schemaJson(service.schemaById(id(r))));
    add("GET", "schemas/ids/*/schema", r -> new RawJson(service.schemaById(id(r)).text()));
    add("GET", "schemas/ids/*/subjects", r -> service.versionsOfId(id(r), r.flag("deleted")).stream()
        .map(StoredVersion::subject).distinct().toList());
    add("GET", "schemas/ids/*/versions", this::versionsOfId);
    add("GET", "schemas/types", r -> List.of("AVRO"));
    add("POST", "compatibility/subjects/*/versions/*", r -> compatibility(r, r.param(1)));
    add("POST", "compatibility/subjects/*/versions", r -> compatibility(r, null));
    add("GET", "config", r -> levelJson("compatibilityLevel", service.globalLevel()));
    add("PUT", "config", r -> levelJson("compatibility", service.setGlobalLevel(level(r))));
    add("GET", "config/*",
        r -> levelJson("compatibilityLevel", service.subjectLevel(r.param(0), r.flag("defaultToGlobal"))));
    add("PUT", "config/*",
        r -> levelJson("compatibility", service.setSubjectLevel(r.param(0), level(r))));
    add("DELETE", "config/*",
        r -> levelJson("compatibilityLevel", service.deleteSubjectLevel(r.param(0))));
  }

  /**
   * Answers a request for the decoded path {@code segments}.
   *
   * @throws RegistryException 404 for an unknown path, 405 for a known path with another method,
   *     and whatever the operation answers
   */
  Response dispatch(String method, List<String> segments, Map<String, String> query, byte[] body) {
    boolean pathKnown = false;
    for (Route route : routes) {
      List<String> params = match(route.template(), segments);
      if (params == null) {
        continue;
      }
      pathKnown = true;
      if (route.method().equals(method)) {
        Object result = route.action().handle(new Request(params, query, body));
        return new Response(200, result instanceof RawJson raw ? raw.json() : write(result));
      }
    }
    if (pathKnown) {
      throw new RegistryException(405, 405, "HTTP 405 Method Not Allowed");
    }
    throw new RegistryException(404, 404, "HTTP 404 Not Found");
  }

  private Object subjects(Request request) {
    String prefix = request.query().getOrDefault("subjectPrefix", "");
    return service.subjects(request.flag("deleted")).stream().filter(s -> s.startsWith(prefix)).toList();
  }

  private Object register(Request request) {
    int id = service.register(request.param(0), schemaText(request));
    return JSON.createObjectNode().put("id", id);
  }

  private Object versionsOfId(Request request) {
    ArrayNode versions = JSON.createArrayNode();
    for (StoredVersion v : service.versionsOfId(id(request), request.flag("deleted"))) {
      versions.addObject().put("subject", v.subject()).put("version", v.version());
    }
    return versions;
  }

  private Object compatibility(Request request, String versionSpec) {
    List<String> problems = service.compatibilityProblems(request.param(0), versionSpec, schemaText(request));
    ObjectNode answer = JSON.createObjectNode().put("is_compatible", problems.isEmpty());
    if (!problems.isEmpty() || request.flag("verbose")) {
      problems.forEach(answer.putArray("messages")::add);
    }
    return answer;
  }

  /** The schema of a register, lookup or compatibility request; only Avro without references. */
  private static String schemaText(Request request) {
    JsonNode body = request.json();
    JsonNode type = body.get("schemaType");
    if (type != null && !type.isNull() && !type.asText().equals("AVRO")) {
      throw RegistryErrors.invalidSchema("Invalid schema type " + type.asText() + "; this registry supports AVRO");
    }
    JsonNode references = body.get("references");
    if (references != null && references.isArray() && !references.isEmpty()) {
      throw RegistryErrors.invalidSchema("Schema references are not supported; embed the referenced types");
    }
    JsonNode schema = body.get("schema");
    if (schema == null || !schema.isTextual() || schema.asText().isBlank()) {
      throw RegistryErrors.invalidSchema("Empty schema");
    }
    return schema.asText();
  }

  private static String level(Request request) {
    JsonNode level = request.json().get("compatibility");
    return level == null || level.isNull() ? null : level.asText();
  }

  private static int id(Request request) {
    try {
      return Integer.parseInt(request.param(0));
    } catch (NumberFormatException e) {
      throw new RegistryException(404, 404, "HTTP 404 Not Found");
    }
  }

  private static ObjectNode versionJson(StoredVersion version) {
    return JSON.createObjectNode()
        .put("subject", version.subject())
        .put("version", version.version())
        .put("id", version.id())
        .put("schema", version.schema().text());
  }

  private static ObjectNode schemaJson(CanonicalSchema schema) {
    return JSON.createObjectNode().put("schema", schema.text());
  }

  private static ObjectNode levelJson(String field, CompatibilityLevel level) {
    return JSON.createObjectNode().put(field, level.name());
  }

  /** Matches a template such as [subjects, *, versions]; returns the values of the stars, or null. */
  private static List<String> match(List<String> template, List<String> segments) {
    if (template.size() != segments.size()) {
      return null;
    }
    List<String> params = new ArrayList<>();
    for (int i = 0; i < template.size(); i++) {
      if (template.get(i).equals("*")) {
        params.add(segments.get(i));
      } else if (!template.get(i).equals(segments.get(i))) {
        return null;
      }
    }
    return params;
  }

  private void add(String method, String path, Action action) {
    List<String> template = path.isEmpty() ? List.of() : List.of(path.split("/"));
    routes.add(new Route(method, template, action));
  }

  private static String write(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot write response", e);
    }
  }

  /** A body that already is JSON text, such as a schema. */
  private record RawJson(String json) {}
}
