package dev.lifeboat.watcher;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds every served API resource that can be listed and watched, core and groups, custom resources
 * included, at each group's preferred version. Sub-resources (pods/log, deployments/scale) are left
 * out. A group whose resources cannot be read (an aggregated API that is down) is skipped and
 * reported; the rest is still discovered.
 */
public final class ApiDiscovery {
  private static final Logger log = LoggerFactory.getLogger(ApiDiscovery.class);

  private final KubernetesClient client;

  public ApiDiscovery(KubernetesClient client) {
    this.client = client;
  }

  /** Kinds by {@link WatchedKind#groupKind()}, in discovery order. */
  public Map<String, WatchedKind> discover() {
    Map<String, WatchedKind> kinds = new LinkedHashMap<>();
    add(kinds, "", "v1");
    for (APIGroup group : client.getApiGroups().getGroups()) {
      String version = group.getPreferredVersion() != null
          ? group.getPreferredVersion().getVersion()
          : group.getVersions().get(0).getVersion();
      add(kinds, group.getName(), version);
    }
    return kinds;
  }

  private void add(Map<String, WatchedKind> kinds, String group, String version) {
    String groupVersion = group.isEmpty() ? version : group + "/" + version;
    APIResourceList resources;
    try {
      resources = client.getApiResources(groupVersion);
    } catch (KubernetesClientException e) {
      log.warn("Cannot discover the resources of {}: {} (skipped until the next discovery)", groupVersion, e.getMessage());
      return;
    }
    if (resources == null) {
      return;
    }
    for (APIResource resource : resources.getResources()) {
      if (resource.getName().contains("/") || !canListAndWatch(resource.getVerbs())) {
        continue;
      }
      WatchedKind kind = new WatchedKind(group, version, resource.getKind(), resource.getName(),
          Boolean.TRUE.equals(resource.getNamespaced()));
      kinds.putIfAbsent(kind.groupKind(), kind);
    }
  }

  private static boolean canListAndWatch(List<String> verbs) {
    List<String> v = verbs == null ? new ArrayList<>() : verbs;
    return v.contains("list") && v.contains("watch");
  }
}
