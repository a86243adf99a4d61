package dev.lifeboat.embedded.apiserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * OpenAPI v3 documents, as much of them as {@code kubectl} reads before it writes: {@code
 * /openapi/v3} lists a document per group and version, and each names the PATCH operation of every
 * kind with the {@code fieldValidation} and {@code dryRun} query parameters, so that {@code
 * kubectl create -f} and {@code kubectl apply -f} leave validation to the server, as they do against
 * a real one (1.27 and later). The documents carry no schemas: this API validates names, labels and
 * the fields in {@link Validation}, not unknown fields, and {@code kubectl explain} finds nothing.
 * {@code /openapi/v2} is not served (404), so {@code kubectl apply} computes its patches from the
 * kinds it knows itself (a strategic merge patch for built-in kinds, a merge patch otherwise).
 */
final class OpenApiDocuments {

  private final ResourceCatalog catalog;

  OpenApiDocuments(ResourceCatalog catalog) {
    this.catalog = catalog;
  }

  /** {@code /openapi/v3} or {@code /openapi/v3/apis/<group>/<version>}; empty otherwise. */
  Optional<Reply> answer(String[] segments) {
    if (segments.length < 2 || !segments[1].equals("v3")) {
      return Optional.empty();
    }
    Map<String, Map<String, List<ApiResourceType>>> groups =
        Discovery.byGroupAndVersion(catalog.all());
    if (segments.length == 2) {
      ObjectNode root = StoredObjects.JSON.createObjectNode();
      ObjectNode paths = root.putObject("paths");
      groups.forEach((group, versions) -> versions.forEach((version, types) -> {
        String path = group.isEmpty() ? "api/" + version : "apis/" + group + "/" + version;
        paths.putObject(path).put("serverRelativeURL", "/openapi/v3/" + path + "?hash="
            + Integer.toHexString(types.hashCode()));
      }));
      return Optional.of(Reply.json(200, root));
    }
    String group;
    String version;
    if (segments[2].equals("api") && segments.length == 4) {
      group = "";
      version = segments[3];
    } else if (segments[2].equals("apis") && segments.length == 5) {
      group = segments[3];
      version = segments[4];
    } else {
      return Optional.empty();
    }
    List<ApiResourceType> types = groups.getOrDefault(group, Map.of()).get(version);
    if (types == null) {
      return Optional.empty();
    }
    return Optional.of(Reply.json(200, document(types)));
  }

  private static ObjectNode document(List<ApiResourceType> types) {
    ObjectNode doc = StoredObjects.JSON.createObjectNode().put("openapi", "3.0.0");
    doc.putObject("info").put("title", "Kubernetes").put("version", "v1.32.0");
    ObjectNode paths = doc.putObject("paths");
    for (ApiResourceType type : types) {
      String base = (type.group().isEmpty() ? "/api/" : "/apis/" + type.group() + "/")
          + type.version() + (type.namespaced() ? "/namespaces/{namespace}/" : "/")
          + type.plural() + "/{name}";
      ObjectNode patch = paths.putObject(base).putObject("patch");
      patch.put("operationId", "patch" + type.kind());
      patch.putObject("x-kubernetes-group-version-kind").put("group", type.group())
          .put("version", type.version()).put("kind", type.kind());
      for (String parameter : new String[] {"fieldValidation", "dryRun", "fieldManager"}) {
        patch.withArray("parameters").addObject().put("name", parameter).put("in", "query")
            .putObject("schema").put("type", "string");
      }
      patch.putObject("responses").putObject("200").put("description", "OK");
    }
    doc.putObject("components").putObject("schemas");
    return doc;
  }
}
