package dev.lifeboat.restore;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.GroupVersionForDiscovery;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the target API server serves, from discovery: every version of every group (not only the
 * preferred one: a restored object keeps the apiVersion it was captured at), each resource's
 * plural and whether it is namespaced. Refreshed after CRDs are restored.
 */
final class TargetApi {
  private static final Logger log = LoggerFactory.getLogger(TargetApi.class);

  /** One served resource at one version. */
  record Kind(String group, String version, String kind, String plural, boolean namespaced) {
    String apiVersion() {
      return group.isEmpty() ? version : group + "/" + version;
    }

    ResourceDefinitionContext context() {
      return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withKind(kind)
          .withPlural(plural).withNamespaced(namespaced).build();
    }
  }

  private final KubernetesClient client;
  private volatile Map<String, Kind> kinds = Map.of();

  TargetApi(KubernetesClient client) {
    this.client = client;
  }

  /** Reads discovery again. A group version that cannot be read is skipped and logged. */
  TargetApi refresh() {
    Map<String, Kind> found = new ConcurrentHashMap<>();
    List<String> groupVersions = new ArrayList<>();
    groupVersions.add("v1");
    for (APIGroup group : client.getApiGroups().getGroups()) {
      for (GroupVersionForDiscovery version : group.getVersions()) {
        groupVersions.add(version.getGroupVersion());
      }
    }
    for (String groupVersion : groupVersions) {
      APIResourceList resources;
      try {
        resources = client.getApiResources(groupVersion);
      } catch (KubernetesClientException e) {
        log.warn("Cannot discover the resources of {} in the target: {}", groupVersion, e.getMessage());
        continue;
      }
      if (resources == null || resources.getResources() == null) {
        continue;
      }
      int slash = groupVersion.indexOf('/');
      String group = slash < 0 ? "" : groupVersion.substring(0, slash);
      String version = slash < 0 ? groupVersion : groupVersion.substring(slash + 1);
      for (APIResource resource : resources.getResources()) {
        if (resource.getName().contains("/")) {
          continue; // a sub-resource (pods/log, deployments/scale)
        }
        found.putIfAbsent(key(group, version, resource.getKind()), new Kind(group, version, resource.getKind(),
            resource.getName(), Boolean.TRUE.equals(resource.getNamespaced())));
      }
    }
    kinds = Map.copyOf(found);
    return this;
  }

  Optional<Kind> find(String group, String version, String kind) {
    return Optional.ofNullable(kinds.get(key(group, version, kind)));
  }

  /** Any served version of a kind (for naming it: plurals do not change between versions). */
  Optional<Kind> anyVersion(String group, String kind) {
    return kinds.values().stream().filter(k -> k.group().equals(group) && k.kind().equals(kind)).findFirst();
  }

  int size() {
    return kinds.size();
  }

  private static String key(String group, String version, String kind) {
    return group + "/" + version + "/" + kind;
  }
}
