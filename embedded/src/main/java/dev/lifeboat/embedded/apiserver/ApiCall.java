package dev.lifeboat.embedded.apiserver;

import java.util.Optional;

/**
 * One request for a resource, told as RBAC sees it (a real API server's audit log records the same):
 * who made it, the verb, and what it addressed.
 *
 * @param user the bearer token's subject, or {@code system:anonymous} without one (the local API
 *     trusts any token: its kubeconfigs name the user in it, as {@link
 *     dev.lifeboat.embedded.LocalKubernetes#writeKubeconfig(java.nio.file.Path, String)} writes them)
 * @param verb {@code get}, {@code list}, {@code watch}, {@code create}, {@code update}, {@code
 *     patch}, {@code delete} or {@code deletecollection}
 * @param group the API group, empty for the core group
 * @param resource the resource, e.g. {@code deployments}
 * @param subresource e.g. {@code status}; null for the object itself
 * @param namespace null for cluster-scoped resources and lists across namespaces
 * @param name null for collections (and for creates, whose name is in the body)
 */
public record ApiCall(String user, String verb, String group, String resource, String subresource, String namespace,
    String name) {
  public static final String ANONYMOUS = "system:anonymous";

  /** The resource as RBAC rules name it: {@code pods/exec}, {@code deployments}. */
  public String rbacResource() {
    return subresource == null ? resource : resource + "/" + subresource;
  }

  static Optional<ApiCall> of(ApiRequest request, ResourcePath path) {
    String verb = switch (request.method()) {
      case "GET" -> request.isWatch() ? "watch" : path.isCollection() ? "list" : "get";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> path.isCollection() ? "deletecollection" : "delete";
      default -> null;
    };
    if (path.subresource() != null && ApiResourceType.CONNECT_SUBRESOURCES.contains(path.subresource())) {
      // websocket exec is a GET: authorized as get before Kubernetes 1.35, and also as create since
      // (AuthorizePodWebsocketUpgradeCreatePermission); SPDY's POST always was create
      verb = "create";
    }
    if (verb == null) {
      return Optional.empty();
    }
    String authorization = request.header("Authorization");
    String user = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
        ? authorization.substring(7).trim() : ANONYMOUS;
    return Optional.of(new ApiCall(user, verb, path.type().group(), path.type().plural(), path.subresource(),
        path.namespace(), path.name()));
  }

  @Override
  public String toString() {
    return user + " " + verb + " " + (group.isEmpty() ? "" : group + "/") + rbacResource()
        + (namespace == null ? "" : " in " + namespace) + (name == null ? "" : " " + name);
  }
}
