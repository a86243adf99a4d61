package dev.lifeboat.restore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits until restored CustomResourceDefinitions can take custom resources: their {@code
 * Established} condition is true. An API server that sets no conditions at all (fabric8's mock,
 * the local API of tests and the demo: no apiextensions controller runs there) is detected, and
 * then a CRD counts as established once discovery serves each of its served versions.
 */
final class CrdEstablishment {
  private static final Logger log = LoggerFactory.getLogger(CrdEstablishment.class);
  private static final long POLL_MILLIS = 200;

  private CrdEstablishment() {}

  /** A CRD as restored: its name and the group, kind and served versions it defines. */
  record Definition(String name, String group, String kind, List<String> versions) {
    static Definition of(ObjectNode crd) {
      JsonNode spec = crd.path("spec");
      List<String> versions = new ArrayList<>();
      for (JsonNode v : spec.path("versions")) {
        if (v.path("served").asBoolean(true)) {
          versions.add(v.path("name").asText());
        }
      }
      return new Definition(crd.path("metadata").path("name").asText(), spec.path("group").asText(),
          spec.path("names").path("kind").asText(), versions);
    }
  }

  /** Waits up to {@code timeout}; returns the definitions still not established, by name. */
  static Map<String, Definition> await(KubernetesClient client, TargetApi api, List<Definition> definitions,
      Duration timeout, Progress progress) throws InterruptedException {
    Map<String, Definition> pending = new LinkedHashMap<>();
    definitions.forEach(d -> pending.put(d.name(), d));
    long deadline = System.nanoTime() + timeout.toNanos();
    int total = pending.size();
    while (!pending.isEmpty()) {
      boolean discoveryRead = false;
      for (Definition d : List.copyOf(pending.values())) {
        CustomResourceDefinition stored = client.apiextensions().v1().customResourceDefinitions().withName(d.name()).get();
        List<CustomResourceDefinitionCondition> conditions = stored == null || stored.getStatus() == null
            ? List.of() : stored.getStatus().getConditions();
        boolean established;
        if (conditions != null && !conditions.isEmpty()) {
          established = conditions.stream().anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
        } else {
          if (!discoveryRead) {
            api.refresh();
            discoveryRead = true;
          }
          established = stored != null && d.versions().stream().allMatch(v -> api.find(d.group(), v, d.kind()).isPresent());
        }
        if (established) {
          pending.remove(d.name());
        }
      }
      progress.report(Progress.Update.of("waiting", total - pending.size(), total, "definitions"));
      if (pending.isEmpty() || System.nanoTime() > deadline) {
        break;
      }
      Thread.sleep(POLL_MILLIS);
    }
    if (!pending.isEmpty()) {
      log.warn("CustomResourceDefinitions not established after {} s: {}", timeout.toSeconds(), pending.keySet());
    }
    api.refresh();
    return pending;
  }
}
