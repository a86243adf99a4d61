package dev.lifeboat.verifier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeboat.restore.FieldChange;
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
 * The objects a verification created, as they were sent and with the fields the restore changed on
 * purpose (the scratch label, the inert transform); read back from the scratch cluster (one list
 * per namespace and kind) and compared with the snapshot's object: every top-level field but
 * metadata and status, plus labels and annotations, ignoring exactly the changed fields. An API
 * server that silently dropped or changed what was restored fails the check. Whether the changed
 * fields still hold what was sent is told to {@link InertCheck}.
 */
final class RestoredObjects implements ObjectListener {
  private static final ObjectMapper JSON = new ObjectMapper();

  private record Sent(ObjectNode body, List<FieldChange> changes) {}

  /** One object read back: how logs name it, and the changed fields whose value it does not hold. */
  record ReadBack(String object, List<FieldChange> changes, List<String> notHeld) {}

  /** Sent objects by namespace, then apiVersion + kind, then name. */
  private final Map<String, Map<String, Map<String, Sent>>> sent = new ConcurrentHashMap<>();

  @Override
  public void handled(Outcome outcome, ObjectNode body, List<FieldChange> changes) {
    if (outcome.action() == Action.CREATE && body != null && outcome.targetNamespace() != null) {
      String type = body.path("apiVersion").asText() + " " + body.path("kind").asText();
      sent.computeIfAbsent(outcome.targetNamespace(), n -> new ConcurrentHashMap<>())
          .computeIfAbsent(type, t -> new ConcurrentHashMap<>())
          .put(body.path("metadata").path("name").asText(), new Sent(body, changes));
    }
  }

  /** Adds {@code objects-equal}; returns every object read back, for the check of the changed fields. */
  List<ReadBack> compare(KubernetesClient cluster, Checks checks) {
    long compared = 0;
    long ignored = 0;
    List<String> different = new ArrayList<>();
    List<ReadBack> readBack = new ArrayList<>();
    for (Map.Entry<String, Map<String, Map<String, Sent>>> ns : sent.entrySet()) {
      for (Map.Entry<String, Map<String, Sent>> type : ns.getValue().entrySet()) {
        String[] apiVersionKind = type.getKey().split(" ");
        Map<String, JsonNode> found = new LinkedHashMap<>();
        for (GenericKubernetesResource r : cluster.genericKubernetesResources(apiVersionKind[0], apiVersionKind[1])
            .inNamespace(ns.getKey()).list().getItems()) {
          found.put(r.getMetadata().getName(), tree(cluster, r));
        }
        for (Map.Entry<String, Sent> object : type.getValue().entrySet()) {
          compared++;
          String name = apiVersionKind[1] + " " + ns.getKey() + "/" + object.getKey();
          List<FieldChange> changes = object.getValue().changes();
          ignored += changes.size();
          JsonNode back = found.get(object.getKey());
          String difference = back == null ? "missing" : difference(object.getValue(), back);
          if (difference != null) {
            different.add(name + ": " + difference);
          }
          List<String> notHeld = new ArrayList<>();
          for (FieldChange c : changes) {
            if (back == null || !c.heldIn(back)) {
              notHeld.add(c.describePath() + " is " + (back == null ? "missing" : c.valueIn(back)) + ", "
                  + (c.after() == null ? "removed" : c.after()) + " was sent");
            }
          }
          readBack.add(new ReadBack(name, changes, notHeld));
        }
      }
    }
    Map<String, Object> evidence = new LinkedHashMap<>();
    evidence.put("compared", compared);
    evidence.put("fields", "every top-level field but metadata and status; labels; annotations");
    evidence.put("fieldsChangedOnPurposeIgnored", ignored);
    if (!different.isEmpty()) {
      evidence.put("different", String.join("; ", different.subList(0, Math.min(5, different.size()))));
      evidence.put("reason", different.size() + " restored objects differ from the snapshot, first " + different.get(0));
    }
    checks.add("objects-equal", different.isEmpty(), compared, compared - different.size(), evidence);
    return readBack;
  }

  /**
   * The first field that differs between the snapshot's object and what was read back, the fields
   * changed on purpose aside; null when none does.
   */
  private static String difference(Sent sent, JsonNode readBack) {
    ObjectNode expected = sent.body().deepCopy();
    List<FieldChange> changes = sent.changes();
    for (int i = changes.size() - 1; i >= 0; i--) {
      changes.get(i).revert(expected); // the snapshot's object, as every restore sends it
    }
    JsonNode back = readBack.deepCopy();
    for (FieldChange c : changes) {
      c.mask(expected);
      c.mask(back);
    }
    Iterator<String> fields = expected.fieldNames();
    while (fields.hasNext()) {
      String field = fields.next();
      if (!field.equals("metadata") && !field.equals("status") && !expected.get(field).equals(back.get(field))) {
        return field + " differs";
      }
    }
    for (String part : List.of("labels", "annotations")) {
      JsonNode a = expected.path("metadata").path(part);
      JsonNode b = back.path("metadata").path(part);
      boolean bothEmpty = (a.isMissingNode() || a.isEmpty()) && (b.isMissingNode() || b.isEmpty());
      if (!bothEmpty && !a.equals(b)) {
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
