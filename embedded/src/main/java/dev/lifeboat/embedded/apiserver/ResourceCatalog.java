package dev.lifeboat.embedded.apiserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The resources the local API serves: the built-in kinds, plus every served version of every stored
 * CustomResourceDefinition. A definition is added the moment it is written and removed the moment
 * it is deleted, so discovery and requests see it at once.
 */
final class ResourceCatalog {

  static final ApiResourceType CRDS = find(BuiltInApiResources.ALL, "apiextensions.k8s.io", "customresourcedefinitions");
  static final ApiResourceType NAMESPACES = find(BuiltInApiResources.ALL, "", "namespaces");

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private final Map<String, List<ApiResourceType>> definitions = new ConcurrentHashMap<>();

  /** Learns or updates the resources a stored definition serves. */
  void define(ObjectNode crd) {
    String name = crd.path("metadata").path("name").asText();
    try {
      CustomResourceDefinition definition = SERIALIZATION.convertValue(crd, CustomResourceDefinition.class);
      definitions.put(name, ApiResourceType.of(definition));
    } catch (IllegalArgumentException e) {
      definitions.remove(name);
    }
  }

  /** Forgets a deleted definition. */
  void undefine(String crdName) {
    definitions.remove(crdName);
  }

  /** The resources one definition serves, every version. */
  List<ApiResourceType> definedBy(String crdName) {
    return definitions.getOrDefault(crdName, List.of());
  }

  /** Built-in kinds, then every served version of every definition (which win on a clash). */
  List<ApiResourceType> all() {
    Map<String, ApiResourceType> byPath = new LinkedHashMap<>();
    for (ApiResourceType type : BuiltInApiResources.ALL) {
      byPath.put(type.groupVersion() + "/" + type.plural(), type);
    }
    for (List<ApiResourceType> types : definitions.values()) {
      for (ApiResourceType type : types) {
        byPath.put(type.groupVersion() + "/" + type.plural(), type);
      }
    }
    return new ArrayList<>(byPath.values());
  }

  Optional<ApiResourceType> find(String group, String version, String plural) {
    for (List<ApiResourceType> types : definitions.values()) {
      for (ApiResourceType type : types) {
        if (type.group().equals(group) && type.version().equals(version) && type.plural().equals(plural)) {
          return Optional.of(type);
        }
      }
    }
    return BuiltInApiResources.ALL.stream()
        .filter(t -> t.group().equals(group) && t.version().equals(version) && t.plural().equals(plural))
        .findFirst();
  }

  /** One resource per storage prefix of namespaced objects: what a namespace's deletion empties. */
  List<ApiResourceType> namespacedStorage() {
    Map<String, ApiResourceType> byPrefix = new LinkedHashMap<>();
    for (ApiResourceType type : all()) {
      if (type.namespaced()) {
        byPrefix.putIfAbsent(type.registryPrefix(), type);
      }
    }
    return new ArrayList<>(byPrefix.values());
  }

  private static ApiResourceType find(List<ApiResourceType> types, String group, String plural) {
    return types.stream()
        .filter(t -> t.group().equals(group) && t.plural().equals(plural))
        .findFirst()
        .orElseThrow();
  }
}
