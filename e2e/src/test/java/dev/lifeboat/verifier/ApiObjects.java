package dev.lifeboat.verifier;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.ArrayList;
import java.util.List;

/** Every object of every kind an API server serves, found by its discovery, as {@code kubectl get all} cannot. */
final class ApiObjects {
  private ApiObjects() {}

  /** Every object in {@code namespace}, of every namespaced kind the server lists. */
  static List<GenericKubernetesResource> inNamespace(KubernetesClient client, String namespace) {
    List<GenericKubernetesResource> objects = new ArrayList<>();
    for (ResourceDefinitionContext kind : kinds(client, true)) {
      for (GenericKubernetesResource r : client.genericKubernetesResources(kind).inNamespace(namespace).list().getItems()) {
        r.setKind(kind.getKind());
        objects.add(r);
      }
    }
    return objects;
  }

  /** {@code Kind/name} of every cluster-scoped object. */
  static List<String> clusterScoped(KubernetesClient client) {
    List<String> names = new ArrayList<>();
    for (ResourceDefinitionContext kind : kinds(client, false)) {
      client.genericKubernetesResources(kind).list().getItems()
          .forEach(r -> names.add(kind.getKind() + "/" + r.getMetadata().getName()));
    }
    return names;
  }

  private static List<ResourceDefinitionContext> kinds(KubernetesClient client, boolean namespaced) {
    List<String> groupVersions = new ArrayList<>(List.of("v1"));
    for (APIGroup group : client.getApiGroups().getGroups()) {
      group.getVersions().forEach(v -> groupVersions.add(v.getGroupVersion()));
    }
    List<ResourceDefinitionContext> kinds = new ArrayList<>();
    for (String groupVersion : groupVersions) {
      String group = groupVersion.contains("/") ? groupVersion.substring(0, groupVersion.indexOf('/')) : "";
      String version = groupVersion.substring(groupVersion.indexOf('/') + 1);
      for (APIResource r : client.getApiResources(groupVersion).getResources()) {
        if (!r.getName().contains("/") && r.getNamespaced() == namespaced && r.getVerbs().contains("list")) {
          kinds.add(new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withPlural(r.getName())
              .withKind(r.getKind()).withNamespaced(namespaced).build());
        }
      }
    }
    return kinds;
  }
}
