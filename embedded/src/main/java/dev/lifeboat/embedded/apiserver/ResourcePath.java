package dev.lifeboat.embedded.apiserver;

import java.util.Optional;

/**
 * What a resource path addresses: {@code /api/v1/namespaces/shop/configmaps/settings} is the
 * ConfigMap {@code settings} in namespace {@code shop}; {@code /apis/apps/v1/deployments} is every
 * Deployment; {@code /api/v1/namespaces/shop/status} is a namespace's status subresource.
 *
 * @param namespace null for cluster-scoped kinds and for lists across namespaces
 * @param name null for a collection
 * @param subresource null for the object itself
 */
record ResourcePath(ApiResourceType type, String namespace, String name, String subresource) {

  boolean isCollection() {
    return name == null;
  }

  /** The etcd key of the addressed object. */
  String key() {
    return type.registryKey(namespace, name);
  }

  /** The etcd prefix of the addressed collection: one namespace, or all of them. */
  String prefix() {
    return type.namespaced() && namespace != null ? type.registryPrefix() + namespace + "/"
        : type.registryPrefix();
  }

  /**
   * Parses a resource path; empty for paths that name no resource (discovery, unknown groups).
   *
   * @throws ApiException 404 for a resource the catalog does not serve
   */
  static Optional<ResourcePath> parse(String[] s, ResourceCatalog catalog) {
    String group;
    String version;
    int at;
    if (s.length >= 3 && s[0].equals("api")) {
      group = "";
      version = s[1];
      at = 2;
    } else if (s.length >= 4 && s[0].equals("apis")) {
      group = s[1];
      version = s[2];
      at = 3;
    } else {
      return Optional.empty();
    }
    int rest = s.length - at;
    String namespace = null;
    String plural;
    String name = null;
    String subresource = null;
    boolean namespaceSubresource = group.isEmpty() && rest == 3 && s[at].equals("namespaces")
        && (s[at + 2].equals("status") || s[at + 2].equals("finalize"));
    if (s[at].equals("namespaces") && rest >= 3 && !namespaceSubresource) {
      namespace = s[at + 1];
      plural = s[at + 2];
      name = rest >= 4 ? s[at + 3] : null;
      subresource = rest >= 5 ? s[at + 4] : null;
      if (rest > 5) {
        throw ApiException.noResource();
      }
    } else {
      plural = s[at];
      name = rest >= 2 ? s[at + 1] : null;
      subresource = rest >= 3 ? s[at + 2] : null;
      if (rest > 3) {
        throw ApiException.noResource();
      }
    }
    ApiResourceType type = catalog.find(group, version, plural).orElseThrow(ApiException::noResource);
    if (namespace != null && !type.namespaced()) {
      throw ApiException.noResource();
    }
    if (subresource != null && !type.serves(subresource)) {
      throw ApiException.noResource();
    }
    return Optional.of(new ResourcePath(type, namespace, name, subresource));
  }
}
