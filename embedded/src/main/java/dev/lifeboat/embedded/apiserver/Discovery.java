package dev.lifeboat.embedded.apiserver;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIGroupBuilder;
import io.fabric8.kubernetes.api.model.APIGroupListBuilder;
import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import io.fabric8.kubernetes.api.model.APIVersionsBuilder;
import io.fabric8.kubernetes.api.model.GroupVersionForDiscovery;
import io.fabric8.kubernetes.api.model.RootPathsBuilder;
import io.fabric8.kubernetes.api.model.ServerAddressByClientCIDRBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntSupplier;

/**
 * Kubernetes API discovery: {@code /version}, {@code /api}, {@code /api/v1}, {@code /apis}, {@code
 * /apis/<group>} and {@code /apis/<group>/<version>}, from the built-in kinds plus the
 * CustomResourceDefinitions stored at the moment of the request, so a definition created at run
 * time appears at once and a deleted one disappears; also {@code /healthz}, {@code /livez}, {@code
 * /readyz} and the OpenAPI v3 documents of {@link OpenApiDocuments}. Only the legacy discovery
 * documents are served: a client asking for aggregated discovery gets those and falls back to them,
 * as it would with an older API server.
 */
final class Discovery {

  private static final String VERSION =
      "{\"major\":\"1\",\"minor\":\"32\",\"gitVersion\":\"v1.32.0\",\"gitCommit\":\"\","
          + "\"gitTreeState\":\"clean\",\"buildDate\":\"1970-01-01T00:00:00Z\","
          + "\"goVersion\":\"\",\"compiler\":\"gc\",\"platform\":\"linux/amd64\"}";
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private final ResourceCatalog catalog;
  private final IntSupplier port;
  private final OpenApiDocuments openApi;

  Discovery(ResourceCatalog catalog, IntSupplier port) {
    this.catalog = catalog;
    this.port = port;
    this.openApi = new OpenApiDocuments(catalog);
  }

  /** The answer to a discovery GET, or empty if {@code segments} name a resource path. */
  Optional<Reply> answer(String[] segments) {
    if (segments.length == 0) {
      return Optional.of(json(rootPaths()));
    }
    switch (segments[0]) {
      case "version":
        return segments.length == 1 ? Optional.of(Reply.json(200, VERSION)) : Optional.empty();
      case "healthz":
      case "livez":
      case "readyz":
        return segments.length == 1 ? Optional.of(Reply.text("ok")) : Optional.empty();
      case "openapi":
        return Optional.of(openApi.answer(segments).orElseThrow(ApiException::noResource));
      case "api":
        return coreDiscovery(segments);
      case "apis":
        return groupDiscovery(segments);
      default:
        throw ApiException.noResource();
    }
  }

  private Optional<Reply> coreDiscovery(String[] segments) {
    if (segments.length == 1) {
      return Optional.of(json(new APIVersionsBuilder()
          .withVersions("v1")
          .withServerAddressByClientCIDRs(new ServerAddressByClientCIDRBuilder()
              .withClientCIDR("0.0.0.0/0")
              .withServerAddress("127.0.0.1:" + port.getAsInt())
              .build())
          .build()));
    }
    if (segments.length == 2) {
      return Optional.of(resourceList(catalog.all(), "", segments[1]));
    }
    return Optional.empty();
  }

  private Optional<Reply> groupDiscovery(String[] segments) {
    if (segments.length > 3) {
      return Optional.empty();
    }
    List<ApiResourceType> all = catalog.all();
    Map<String, Map<String, List<ApiResourceType>>> groups = byGroupAndVersion(all);
    groups.remove("");
    if (segments.length == 1) {
      List<APIGroup> list = new ArrayList<>();
      groups.forEach((group, versions) -> list.add(apiGroup(group, versions)));
      return Optional.of(json(new APIGroupListBuilder().withGroups(list).build()));
    }
    Map<String, List<ApiResourceType>> versions = groups.get(segments[1]);
    if (versions == null) {
      throw ApiException.noResource();
    }
    if (segments.length == 2) {
      return Optional.of(json(apiGroup(segments[1], versions)));
    }
    return Optional.of(resourceList(all, segments[1], segments[2]));
  }

  private static Reply resourceList(List<ApiResourceType> all, String group, String version) {
    APIResourceListBuilder list = new APIResourceListBuilder()
        .withGroupVersion(group.isEmpty() ? version : group + "/" + version);
    boolean found = false;
    for (ApiResourceType type : all) {
      if (type.group().equals(group) && type.version().equals(version)) {
        list.addAllToResources(type.toApiResources());
        found = true;
      }
    }
    if (!found) {
      throw ApiException.noResource();
    }
    return json(list.build());
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

  static Map<String, Map<String, List<ApiResourceType>>> byGroupAndVersion(List<ApiResourceType> all) {
    Map<String, Map<String, List<ApiResourceType>>> groups = new LinkedHashMap<>();
    for (ApiResourceType type : all) {
      groups.computeIfAbsent(type.group(), g -> new LinkedHashMap<>())
          .computeIfAbsent(type.version(), v -> new ArrayList<>())
          .add(type);
    }
    return groups;
  }

  private Object rootPaths() {
    List<String> paths = new ArrayList<>(List.of("/api", "/api/v1", "/apis"));
    byGroupAndVersion(catalog.all()).forEach((group, versions) -> {
      if (!group.isEmpty()) {
        paths.add("/apis/" + group);
        versions.keySet().forEach(v -> paths.add("/apis/" + group + "/" + v));
      }
    });
    paths.addAll(List.of("/healthz", "/livez", "/openapi/v3", "/readyz", "/version"));
    return new RootPathsBuilder().withPaths(paths).build();
  }

  private static Reply json(Object document) {
    return Reply.json(200, SERIALIZATION.asJson(document));
  }
}
