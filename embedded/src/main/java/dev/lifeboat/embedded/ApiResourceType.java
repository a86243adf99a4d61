package dev.lifeboat.embedded;

import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionNames;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One kind of resource as API discovery describes it: where it is served, what it is called, and
 * whether it lives in a namespace.
 *
 * @param group the API group; empty for the core group
 * @param version e.g. {@code v1}
 * @param plural the resource name in URLs, e.g. {@code deployments}
 * @param singular e.g. {@code deployment}
 * @param kind e.g. {@code Deployment}
 * @param namespaced whether objects live in a namespace
 * @param shortNames what {@code kubectl} also accepts, e.g. {@code deploy}
 * @param categories groups of kinds {@code kubectl get} expands, e.g. {@code all}
 * @param subresources served subresources, e.g. {@code status}
 */
record ApiResourceType(
    String group,
    String version,
    String plural,
    String singular,
    String kind,
    boolean namespaced,
    List<String> shortNames,
    List<String> categories,
    List<String> subresources) {

  static final List<String> VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");
  private static final List<String> SUBRESOURCE_VERBS = List.of("get", "patch", "update");

  ApiResourceType {
    shortNames = List.copyOf(shortNames);
    categories = List.copyOf(categories);
    subresources = List.copyOf(subresources);
  }

  /** A namespaced built-in kind. */
  static ApiResourceType namespaced(
      String groupVersion, String plural, String kind, String... shortNames) {
    return builtIn(groupVersion, plural, kind, true, List.of(shortNames), List.of());
  }

  /** A cluster-scoped built-in kind. */
  static ApiResourceType clusterScoped(
      String groupVersion, String plural, String kind, String... shortNames) {
    return builtIn(groupVersion, plural, kind, false, List.of(shortNames), List.of());
  }

  /** The same kind, also listed by {@code kubectl get all}. */
  ApiResourceType inCategoryAll() {
    return new ApiResourceType(
        group, version, plural, singular, kind, namespaced, shortNames, List.of("all"),
        subresources);
  }

  /** {@code v1} or {@code apps/v1}. */
  String groupVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  /** One entry for every version the definition serves, its storage version first. */
  static List<ApiResourceType> of(CustomResourceDefinition crd) {
    List<ApiResourceType> types = new ArrayList<>();
    if (crd.getSpec() == null || crd.getSpec().getNames() == null) {
      return types;
    }
    CustomResourceDefinitionNames names = crd.getSpec().getNames();
    String singular =
        names.getSingular() == null || names.getSingular().isEmpty()
            ? names.getKind().toLowerCase(Locale.ROOT)
            : names.getSingular();
    boolean namespaced = !"Cluster".equals(crd.getSpec().getScope());
    List<CustomResourceDefinitionVersion> versions = new ArrayList<>(crd.getSpec().getVersions());
    versions.sort((a, b) -> Boolean.compare(isTrue(b.getStorage()), isTrue(a.getStorage())));
    for (CustomResourceDefinitionVersion v : versions) {
      if (!isTrue(v.getServed())) {
        continue;
      }
      List<String> subresources = new ArrayList<>();
      if (v.getSubresources() != null && v.getSubresources().getStatus() != null) {
        subresources.add("status");
      }
      if (v.getSubresources() != null && v.getSubresources().getScale() != null) {
        subresources.add("scale");
      }
      types.add(
          new ApiResourceType(
              crd.getSpec().getGroup(),
              v.getName(),
              names.getPlural(),
              singular,
              names.getKind(),
              namespaced,
              names.getShortNames() == null ? List.of() : names.getShortNames(),
              names.getCategories() == null ? List.of() : names.getCategories(),
              subresources));
    }
    return types;
  }

  /** The discovery entries: the resource itself, then each of its subresources. */
  List<APIResource> toApiResources() {
    List<APIResource> resources = new ArrayList<>();
    resources.add(
        new APIResourceBuilder()
            .withName(plural)
            .withSingularName(singular)
            .withNamespaced(namespaced)
            .withKind(kind)
            .withVerbs(VERBS)
            .withShortNames(shortNames.isEmpty() ? null : shortNames)
            .withCategories(categories.isEmpty() ? null : categories)
            .build());
    for (String subresource : subresources) {
      resources.add(
          new APIResourceBuilder()
              .withName(plural + "/" + subresource)
              .withSingularName("")
              .withNamespaced(namespaced)
              .withKind(kind)
              .withVerbs(SUBRESOURCE_VERBS)
              .build());
    }
    return resources;
  }

  private static ApiResourceType builtIn(
      String groupVersion,
      String plural,
      String kind,
      boolean namespaced,
      List<String> shortNames,
      List<String> categories) {
    int slash = groupVersion.indexOf('/');
    String group = slash < 0 ? "" : groupVersion.substring(0, slash);
    String version = groupVersion.substring(slash + 1);
    return new ApiResourceType(
        group,
        version,
        plural,
        kind.toLowerCase(Locale.ROOT),
        kind,
        namespaced,
        shortNames,
        categories,
        List.of());
  }

  private static boolean isTrue(Boolean b) {
    return Boolean.TRUE.equals(b);
  }
}
