package dev.lifeboat.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIGroupBuilder;
import io.fabric8.kubernetes.api.model.APIGroupListBuilder;
import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import io.fabric8.kubernetes.api.model.APIVersionsBuilder;
import io.fabric8.kubernetes.api.model.GroupVersionForDiscovery;
import io.fabric8.kubernetes.api.model.RootPathsBuilder;
import io.fabric8.kubernetes.api.model.ServerAddressByClientCIDRBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves Kubernetes API discovery in front of fabric8's CRUD mock, and passes every other request
 * to it.
 *
 * <p>The CRUD mock stores objects but does not describe its API, so clients that discover before
 * they act (the real {@code kubectl}, informers keyed by group and version, Lifeboat's watcher)
 * would find nothing. This dispatcher answers {@code /version}, {@code /api}, {@code /api/v1},
 * {@code /apis}, {@code /apis/<group>} and {@code /apis/<group>/<version>} from the built-in kinds
 * in {@link BuiltInApiResources} plus the CustomResourceDefinitions held in the CRUD store at the
 * moment of the request, so a definition created at run time appears at once and a deleted one
 * disappears. It answers only the legacy discovery documents: a client asking for aggregated
 * discovery gets those and falls back to them, as it would with an older API server. OpenAPI
 * documents are not served (404), which is why {@code kubectl} needs {@code --validate=false}.
 */
final class DiscoveryDispatcher extends Dispatcher {

  private static final Logger log = LoggerFactory.getLogger(DiscoveryDispatcher.class);
  private static final String CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
  private static final String VERSION =
      "{\"major\":\"1\",\"minor\":\"32\",\"gitVersion\":\"v1.32.0\",\"gitCommit\":\"\","
          + "\"gitTreeState\":\"clean\",\"buildDate\":\"1970-01-01T00:00:00Z\","
          + "\"goVersion\":\"\",\"compiler\":\"gc\",\"platform\":\"linux/amd64\"}";

  private final KubernetesCrudDispatcher crud;
  private final IntSupplier port;
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param crud the store every non-discovery request goes to
   * @param port the port the server listens on, for the addresses discovery advertises
   */
  DiscoveryDispatcher(KubernetesCrudDispatcher crud, IntSupplier port) {
    this.crud = crud;
    this.port = port;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    log.debug("{} {}", request.getMethod(), request.getPath());
    if ("GET".equalsIgnoreCase(request.getMethod())) {
      Optional<MockResponse> answer = discovery(withoutQuery(request.getPath()));
      if (answer.isPresent()) {
        return answer.get();
      }
    }
    return crud.dispatch(request);
  }

  @Override
  public void shutdown() {
    crud.shutdown();
  }

  private Optional<MockResponse> discovery(String path) {
    String[] segments = path.replaceAll("^/+|/+$", "").split("/+");
    if (path.replaceAll("/", "").isEmpty()) {
      return Optional.of(json(rootPaths()));
    }
    switch (segments[0]) {
      case "version":
        return segments.length == 1 ? Optional.of(ok(VERSION)) : Optional.empty();
      case "healthz":
      case "livez":
      case "readyz":
        return segments.length == 1
            ? Optional.of(ok("ok").setHeader("Content-Type", "text/plain"))
            : Optional.empty();
      case "openapi":
        return Optional.of(notFound());
      case "api":
        return coreDiscovery(segments);
      case "apis":
        return groupDiscovery(segments);
      default:
        return Optional.empty();
    }
  }

  private Optional<MockResponse> coreDiscovery(String[] segments) {
    if (segments.length == 1) {
      return Optional.of(
          json(
              new APIVersionsBuilder()
                  .withVersions("v1")
                  .withServerAddressByClientCIDRs(
                      new ServerAddressByClientCIDRBuilder()
                          .withClientCIDR("0.0.0.0/0")
                          .withServerAddress("127.0.0.1:" + port.getAsInt())
                          .build())
                  .build()));
    }
    if (segments.length == 2) {
      return Optional.of(resourceList(catalog(), "", segments[1]));
    }
    return Optional.empty();
  }

  private Optional<MockResponse> groupDiscovery(String[] segments) {
    if (segments.length > 3) {
      return Optional.empty();
    }
    List<ApiResourceType> catalog = catalog();
    Map<String, Map<String, List<ApiResourceType>>> groups = byGroupAndVersion(catalog);
    groups.remove("");
    if (segments.length == 1) {
      List<APIGroup> list = new ArrayList<>();
      groups.forEach((group, versions) -> list.add(apiGroup(group, versions)));
      return Optional.of(json(new APIGroupListBuilder().withGroups(list).build()));
    }
    Map<String, List<ApiResourceType>> versions = groups.get(segments[1]);
    if (versions == null) {
      return Optional.of(notFound());
    }
    if (segments.length == 2) {
      return Optional.of(json(apiGroup(segments[1], versions)));
    }
    return Optional.of(resourceList(catalog, segments[1], segments[2]));
  }

  private MockResponse resourceList(List<ApiResourceType> catalog, String group, String version) {
    APIResourceListBuilder list =
        new APIResourceListBuilder()
            .withGroupVersion(group.isEmpty() ? version : group + "/" + version);
    boolean found = false;
    for (ApiResourceType type : catalog) {
      if (type.group().equals(group) && type.version().equals(version)) {
        list.addAllToResources(type.toApiResources());
        found = true;
      }
    }
    return found ? json(list.build()) : notFound();
  }

  private static APIGroup apiGroup(String group, Map<String, List<ApiResourceType>> versions) {
    List<GroupVersionForDiscovery> served = new ArrayList<>();
    versions.keySet().forEach(v -> served.add(new GroupVersionForDiscovery(group + "/" + v, v)));
    return new APIGroupBuilder()
        .withName(group)
        .withVersions(served)
        .withPreferredVersion(served.get(0))
        .build();
  }

  /** Built-in kinds, then every served version of every stored CRD (which win on a clash). */
  private List<ApiResourceType> catalog() {
    Map<String, ApiResourceType> byPath = new LinkedHashMap<>();
    for (ApiResourceType type : BuiltInApiResources.ALL) {
      byPath.put(type.groupVersion() + "/" + type.plural(), type);
    }
    for (CustomResourceDefinition crd : storedDefinitions()) {
      for (ApiResourceType type : ApiResourceType.of(crd)) {
        byPath.put(type.groupVersion() + "/" + type.plural(), type);
      }
    }
    return new ArrayList<>(byPath.values());
  }

  private List<CustomResourceDefinition> storedDefinitions() {
    List<CustomResourceDefinition> definitions = new ArrayList<>();
    MockResponse stored = crud.handleGet(CRD_PATH);
    if (stored.code() != HttpURLConnection.HTTP_OK || stored.getBody() == null) {
      return definitions;
    }
    try {
      JsonNode items = JSON.readTree(stored.getBody().readUtf8()).path("items");
      for (JsonNode item : items) {
        definitions.add(
            SERIALIZATION.unmarshal(item.toString(), CustomResourceDefinition.class));
      }
    } catch (IOException | IllegalArgumentException e) {
      log.warn("Cannot read the stored CustomResourceDefinitions for discovery", e);
    }
    return definitions;
  }

  private static Map<String, Map<String, List<ApiResourceType>>> byGroupAndVersion(
      List<ApiResourceType> catalog) {
    Map<String, Map<String, List<ApiResourceType>>> groups = new LinkedHashMap<>();
    for (ApiResourceType type : catalog) {
      groups
          .computeIfAbsent(type.group(), g -> new LinkedHashMap<>())
          .computeIfAbsent(type.version(), v -> new ArrayList<>())
          .add(type);
    }
    return groups;
  }

  private Object rootPaths() {
    List<String> paths = new ArrayList<>(List.of("/api", "/api/v1", "/apis"));
    byGroupAndVersion(catalog())
        .forEach(
            (group, versions) -> {
              if (!group.isEmpty()) {
                paths.add("/apis/" + group);
                versions.keySet().forEach(v -> paths.add("/apis/" + group + "/" + v));
              }
            });
    paths.addAll(List.of("/healthz", "/livez", "/readyz", "/version"));
    return new RootPathsBuilder().withPaths(paths).build();
  }

  private static String withoutQuery(String path) {
    int query = path.indexOf('?');
    return query < 0 ? path : path.substring(0, query);
  }

  private static MockResponse json(Object document) {
    return ok(SERIALIZATION.asJson(document));
  }

  private static MockResponse ok(String body) {
    return new MockResponse()
        .setResponseCode(HttpURLConnection.HTTP_OK)
        .setHeader("Content-Type", "application/json")
        .setBody(body);
  }

  private static MockResponse notFound() {
    String status =
        SERIALIZATION.asJson(
            new StatusBuilder()
                .withStatus("Failure")
                .withMessage("the server could not find the requested resource")
                .withReason("NotFound")
                .withCode(HttpURLConnection.HTTP_NOT_FOUND)
                .build());
    return new MockResponse()
        .setResponseCode(HttpURLConnection.HTTP_NOT_FOUND)
        .setHeader("Content-Type", "application/json")
        .setBody(status);
  }
}
