package dev.lifeboat.embedded.apiserver;

import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionNames;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One kind of resource as API discovery describes it: where it is served, what it is called,
 * whether it lives in a namespace, and where its objects are stored.
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
 * @param custom whether a CustomResourceDefinition defines it
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
    List<String> subresources,
    boolean custom) {

  static final List<String> VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");
  private static final List<String> SUBRESOURCE_VERBS = List.of("get", "patch", "update");
  /** Subresources that open a stream to the kubelet (a real server lists them with these verbs). */
  static final Set<String> CONNECT_SUBRESOURCES = Set.of("exec", "attach", "portforward");
  private static final List<String> CONNECT_VERBS = List.of("create", "get");

  /** Groups whose kinds a real API server stores under {@code /registry/<resource>/}. */
  private static final Set<String> UNPREFIXED_GROUPS = Set.of("", "apps", "batch", "autoscaling",
      "networking.k8s.io", "rbac.authorization.k8s.io", "storage.k8s.io", "coordination.k8s.io",
      "discovery.k8s.io", "policy", "scheduling.k8s.io");

  ApiResourceType {
    shortNames = List.copyOf(shortNames);
    categories = List.copyOf(categories);
    subresources = List.copyOf(subresources);
  }

  /** A namespaced built-in kind. */
  static ApiResourceType namespaced(
      String groupVersion, String plural, String kind, String... shortNames) {
    return builtIn(groupVersion, plural, kind, true, List.of(shortNames));
  }

  /** A cluster-scoped built-in kind. */
  static ApiResourceType clusterScoped(
      String groupVersion, String plural, String kind, String... shortNames) {
    return builtIn(groupVersion, plural, kind, false, List.of(shortNames));
  }

  /** The same kind, also listed by {@code kubectl get all}. */
  ApiResourceType inCategoryAll() {
    return new ApiResourceType(group, version, plural, singular, kind, namespaced, shortNames,
        List.of("all"), subresources, custom);
  }

  /** The same kind, with these subresources served. */
  ApiResourceType with(String... served) {
    return new ApiResourceType(group, version, plural, singular, kind, namespaced, shortNames,
        categories, List.of(served), custom);
  }

  /** {@code v1} or {@code apps/v1}. */
  String groupVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  /** {@code configmaps} or {@code deployments.apps}, as kubectl names a resource. */
  String qualifiedName() {
    return group.isEmpty() ? plural : plural + "." + group;
  }

  /**
   * The etcd prefix of every object of this resource, in every version: {@code
   * /registry/configmaps/} for built-in kinds, {@code /registry/<group>/<resource>/} for custom
   * resources and CustomResourceDefinitions, as a real API server lays them out (which also
   * stores services, endpoints and ingresses under names of their own; this layout does not).
   */
  String registryPrefix() {
    return UNPREFIXED_GROUPS.contains(group)
        ? EtcdRegistryStore.ROOT + plural + "/"
        : EtcdRegistryStore.ROOT + group + "/" + plural + "/";
  }

  /** The etcd key of one object; {@code namespace} is ignored for cluster-scoped kinds. */
  String registryKey(String namespace, String name) {
    return namespaced ? registryPrefix() + namespace + "/" + name : registryPrefix() + name;
  }

  boolean serves(String subresource) {
    return subresources.contains(subresource);
  }

  /** One entry for every version the definition serves, its storage version first. */
  static List<ApiResourceType> of(CustomResourceDefinition crd) {
    List<ApiResourceType> types = new ArrayList<>();
    if (crd.getSpec() == null || crd.getSpec().getNames() == null
        || crd.getSpec().getVersions() == null) {
      return types;
    }
    CustomResourceDefinitionNames names = crd.getSpec().getNames();
    String singular =
        names.getSingular() == null || names.getSingular().isEmpty()
            ? String.valueOf(names.getKind()).toLowerCase(Locale.ROOT)
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
              subresources,
              true));
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
      APIResourceBuilder entry = new APIResourceBuilder()
          .withName(plural + "/" + subresource)
          .withSingularName("")
          .withNamespaced(namespaced)
          .withKind(kind)
          .withVerbs(CONNECT_SUBRESOURCES.contains(subresource) ? CONNECT_VERBS : SUBRESOURCE_VERBS);
      if (subresource.equals("scale")) {
        entry.withGroup("autoscaling").withVersion("v1").withKind("Scale");
      }
      resources.add(entry.build());
    }
    return resources;
  }

  private static ApiResourceType builtIn(
      String groupVersion, String plural, String kind, boolean namespaced,
      List<String> shortNames) {
    int slash = groupVersion.indexOf('/');
    String group = slash < 0 ? "" : groupVersion.substring(0, slash);
    String version = groupVersion.substring(slash + 1);
    return new ApiResourceType(group, version, plural, kind.toLowerCase(Locale.ROOT), kind,
        namespaced, shortNames, List.of(), List.of(), false);
  }

  private static boolean isTrue(Boolean b) {
    return Boolean.TRUE.equals(b);
  }
}
