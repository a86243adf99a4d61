package dev.lifeboat.verifier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeboat.restore.ObjectListener;
import dev.lifeboat.restore.ResourceRestoreReport.Action;
import dev.lifeboat.restore.ResourceRestoreReport.Outcome;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The objects a verification created, as they were sent; read back from the scratch cluster (one
 * list per namespace and kind) and compared with what was sent: every top-level field but metadata
 * and status, plus labels and annotations. An API server that silently dropped or changed what
 * was restored fails the check.
 */
final class RestoredObjects implements ObjectListener {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Sent objects by namespace, then apiVersion + kind, then name. */
  private final Map<String, Map<String, Map<String, ObjectNode>>> sent = new ConcurrentHashMap<>();

  @Override
  public void handled(Outcome outcome, ObjectNode body) {
    if (outcome.action() == Action.CREATE && body != null && outcome.targetNamespace() != null) {
      String type = body.path("apiVersion").asText() + " " + body.path("kind").asText();
      sent.computeIfAbsent(outcome.targetNamespace(), n -> new ConcurrentHashMap<>())
          .computeIfAbsent(type, t -> new ConcurrentHashMap<>()).put(body.path("metadata").path("name").asText(), body);
    }
  }

  void compare(KubernetesClient cluster, Checks checks) {
    long compared = 0;
    List<String> different = new ArrayList<>();
    for (Map.Entry<String, Map<String, Map<String, ObjectNode>>> ns : sent.entrySet()) {
      for (Map.Entry<String, Map<String, ObjectNode>> type : ns.getValue().entrySet()) {
        String[] apiVersionKind = type.getKey().split(" ");
        Map<String, JsonNode> found = new LinkedHashMap<>();
        for (GenericKubernetesResource r : cluster.genericKubernetesResources(apiVersionKind[0], apiVersionKind[1])
            .inNamespace(ns.getKey()).list().getItems()) {
          found.put(r.getMetadata().getName(), tree(cluster, r));
        }
        for (Map.Entry<String, ObjectNode> object : type.getValue().entrySet()) {
          compared++;
          JsonNode back = found.get(object.getKey());
          String difference = back == null ? "missing" : difference(object.getValue(), back);
          if (difference != null) {
            different.add(apiVersionKind[1] + " " + ns.getKey() + "/" + object.getKey() + ": " + difference);
          }
        }
      }
    }
    Map<String, Object> evidence = new LinkedHashMap<>();
    evidence.put("compared", compared);
    evidence.put("fields", "every top-level field but metadata and status; labels; annotations");
    if (!different.isEmpty()) {
      evidence.put("different", String.join("; ", different.subList(0, Math.min(5, different.size()))));
      evidence.put("reason", different.size() + " restored objects differ from the snapshot, first " + different.get(0));
    }
    checks.add("objects-equal", different.isEmpty(), compared, compared - different.size(), evidence);
  }

  /** The first field that differs, or null. */
  private static String difference(ObjectNode sent, JsonNode back) {
    Iterator<String> fields = sent.fieldNames();
    while (fields.hasNext()) {
      String field = fields.next();
      if (!field.equals("metadata") && !field.equals("status") && !sent.get(field).equals(back.get(field))) {
        return field + " differs";
      }
    }
    for (String part : List.of("labels", "annotations")) {
      JsonNode a = sent.path("metadata").path(part);
      JsonNode b = back.path("metadata").path(part);
      if (!(a.isMissingNode() && (b.isMissingNode() || b.isEmpty())) && !a.equals(b)) {
        return "metadata." + part + " differ";
      }
    }
    return null;
  }

  private static JsonNode tree(KubernetesClient cluster, GenericKubernetesResource r) {
    try {
      return JSON.readTree(cluster.getKubernetesSerialization().asJson(r));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
