package dev.lifeboat.bench;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The objects of the drill's namespaces as they must come back, for comparing a source cluster with
 * the cluster restored from it: content and labels, without what an API server assigns (uids,
 * versions, times, status, a Service's cluster IP, a claim's volume) and without a claim's storage
 * class (mapped by the restore; checked apart).
 */
final class DrObjects {
  static final List<String> KINDS = List.of("v1/ConfigMap", "v1/Secret", "apps/v1/Deployment", "v1/Service",
      "v1/PersistentVolumeClaim");

  private DrObjects() {}

  /** {@code apiVersion/Kind namespace/name} to the object's comparable body, for every object of {@link #KINDS}. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> capture(KubernetesClient client, List<String> namespaces) {
    Map<String, Object> objects = new TreeMap<>();
    for (String ns : namespaces) {
      for (String apiKind : KINDS) {
        int slash = apiKind.lastIndexOf('/');
        for (GenericKubernetesResource r : client.genericKubernetesResources(apiKind.substring(0, slash),
            apiKind.substring(slash + 1)).inNamespace(ns).list().getItems()) {
          Map<String, Object> body = new TreeMap<>(r.getAdditionalProperties());
          body.remove("status");
          Map<String, Object> spec = (Map<String, Object>) body.get("spec");
          if (spec != null) {
            spec = new TreeMap<>(spec);
            spec.remove("clusterIP");
            spec.remove("clusterIPs");
            spec.remove("volumeName");
            spec.remove("storageClassName");
            body.put("spec", spec);
          }
          body.put("labels", Optional.ofNullable(r.getMetadata().getLabels()).map(TreeMap::new).orElse(new TreeMap<>()));
          objects.put(apiKind + " " + ns + "/" + r.getMetadata().getName(), body);
        }
      }
    }
    return objects;
  }

  /** What differs between the source's objects and the restored ones: missing, different, unexpected; empty when equal. */
  static List<String> differences(Map<String, Object> source, Map<String, Object> restored) {
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, Object> e : source.entrySet()) {
      Object got = restored.get(e.getKey());
      if (got == null) {
        problems.add("missing: " + e.getKey());
      } else if (!got.equals(e.getValue())) {
        problems.add("different: " + e.getKey());
      }
    }
    restored.keySet().stream().filter(k -> !source.containsKey(k)).forEach(k -> problems.add("unexpected: " + k));
    return problems;
  }
}
