package dev.lifeboat.restore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The inert restore: what a verification restores must not run, serve or scale, yet be the
 * snapshot's objects in every other field. One transform, applied to each object after the
 * ordinary ones ({@link ObjectTransforms}), every field it changes recorded as a {@link
 * FieldChange}; and two guard objects created in every namespace it writes into before anything
 * else. See DESIGN.md ("Inert restores").
 *
 * <ul>
 *   <li>Deployment, StatefulSet, ReplicaSet, ReplicationController: {@code spec.replicas} 0;
 *   <li>Job, CronJob: {@code spec.suspend} true;
 *   <li>DaemonSet: a node selector no node matches ({@value #NODE_SELECTOR_KEY}) on its pod template;
 *   <li>Pod (one no restored controller recreates): not restored at all ({@link #refusal});
 *   <li>Service: {@code NodePort} and {@code LoadBalancer} become {@code ClusterIP}, without node
 *       ports, load-balancer fields, external traffic policy or health-check node port; external
 *       IPs removed from every Service;
 *   <li>Ingress: the ingress class {@value #ABSENT}, which no controller serves; the legacy
 *       {@code kubernetes.io/ingress.class} annotation removed;
 *   <li>Gateway API: routes ({@code *Route}) detached ({@code spec.parentRefs} empty); Gateways
 *       of the class {@value #ABSENT};
 *   <li>HorizontalPodAutoscaler: its scale target renamed {@value #ABSENT}, a workload that does
 *       not exist; VerticalPodAutoscaler: update mode {@code Off}; KEDA ScaledObject and ScaledJob:
 *       paused by their annotations;
 *   <li>PersistentVolumeClaim: the storage class {@value #ABSENT}, and no volume name, so no
 *       volume is provisioned or bound for it;
 *   <li>every namespace written into: a NetworkPolicy {@value #DENY_ALL} that denies all ingress
 *       and egress, and a ResourceQuota {@value #QUOTA} allowing no pods, load balancers or node
 *       ports ({@link #guards}).
 * </ul>
 */
public final class InertTransform {
  /** How changes of this transform are named in reports and evidence. */
  public static final String NAME = "inert";
  /** The ingress, gateway and storage class, and the autoscaler target, that nothing serves. */
  public static final String ABSENT = "lifeboat-inert";
  /** The node label a DaemonSet's pods are made to require; no node carries it. */
  public static final String NODE_SELECTOR_KEY = "lifeboat.dev/inert";
  public static final String NODE_SELECTOR_VALUE = "no-node-has-this-label";
  public static final String DENY_ALL = "lifeboat-inert-deny-all";
  public static final String QUOTA = "lifeboat-inert";
  /** What the quota of an inert namespace allows: nothing that runs or is reached from outside. */
  public static final Map<String, String> QUOTA_HARD = Map.of("pods", "0", "services.loadbalancers", "0",
      "services.nodeports", "0");
  /** How the reason of an object an inert restore does not create begins. */
  public static final String NOT_RESTORED = "not restored by an inert restore: ";
  static final String LEGACY_INGRESS_CLASS = "kubernetes.io/ingress.class";
  static final String KEDA_PAUSED = "autoscaling.keda.sh/paused";
  static final String KEDA_PAUSED_REPLICAS = "autoscaling.keda.sh/paused-replicas";

  private static final Set<String> APPS = Set.of("apps", "extensions");
  private static final Set<String> SCALED = Set.of("Deployment", "StatefulSet", "ReplicaSet");
  private static final Set<String> INGRESS_GROUPS = Set.of("networking.k8s.io", "extensions");
  private static final String GATEWAY_GROUP = "gateway.networking.k8s.io";
  private static final List<String> LOAD_BALANCER_FIELDS = List.of("loadBalancerIP", "loadBalancerSourceRanges",
      "loadBalancerClass", "allocateLoadBalancerNodePorts", "externalTrafficPolicy", "healthCheckNodePort");

  private InertTransform() {}

  /**
   * Why an inert restore does not create an object of this kind, or null when it does (made inert
   * by {@link #apply}). A bare Pod runs as soon as it exists: nothing in it can be scaled to zero
   * or suspended, and the guard quota of the namespace admits no pods anyway.
   */
  public static String refusal(String group, String kind) {
    if (group.isEmpty() && kind.equals("Pod")) {
      return "a bare Pod runs as soon as it is created: an inert restore does not create it";
    }
    return null;
  }

  /** Makes one object inert, in place; returns every field it changed. */
  public static List<FieldChange> apply(ObjectNode body, String group, String kind) {
    Edits edits = new Edits(body);
    if (group.isEmpty()) {
      switch (kind) {
        case "ReplicationController" -> edits.set(IntNode.valueOf(0), "spec", "replicas");
        case "Service" -> service(edits, body);
        case "PersistentVolumeClaim" -> {
          edits.set(TextNode.valueOf(ABSENT), "spec", "storageClassName");
          edits.remove("spec", "volumeName");
        }
        default -> { }
      }
    } else if (APPS.contains(group) && SCALED.contains(kind)) {
      edits.set(IntNode.valueOf(0), "spec", "replicas");
    } else if (APPS.contains(group) && kind.equals("DaemonSet")) {
      edits.set(TextNode.valueOf(NODE_SELECTOR_VALUE), "spec", "template", "spec", "nodeSelector", NODE_SELECTOR_KEY);
    } else if (group.equals("batch") && (kind.equals("Job") || kind.equals("CronJob"))) {
      edits.set(BooleanNode.TRUE, "spec", "suspend");
    } else if (INGRESS_GROUPS.contains(group) && kind.equals("Ingress")) {
      edits.set(TextNode.valueOf(ABSENT), "spec", "ingressClassName");
      edits.remove("metadata", "annotations", LEGACY_INGRESS_CLASS);
    } else if (group.equals(GATEWAY_GROUP) && kind.endsWith("Route")) {
      edits.set(JsonNodeFactory.instance.arrayNode(), "spec", "parentRefs");
    } else if (group.equals(GATEWAY_GROUP) && kind.equals("Gateway")) {
      edits.set(TextNode.valueOf(ABSENT), "spec", "gatewayClassName");
    } else if (group.equals("autoscaling") && kind.equals("HorizontalPodAutoscaler")) {
      edits.set(TextNode.valueOf(ABSENT), "spec", "scaleTargetRef", "name");
    } else if (group.equals("autoscaling.k8s.io") && kind.equals("VerticalPodAutoscaler")) {
      edits.set(TextNode.valueOf("Off"), "spec", "updatePolicy", "updateMode");
    } else if (group.equals("keda.sh") && (kind.equals("ScaledObject") || kind.equals("ScaledJob"))) {
      edits.set(TextNode.valueOf("true"), "metadata", "annotations", KEDA_PAUSED);
      if (kind.equals("ScaledObject")) {
        edits.set(TextNode.valueOf("0"), "metadata", "annotations", KEDA_PAUSED_REPLICAS);
      }
    }
    return edits.changes;
  }

  private static void service(Edits edits, ObjectNode body) {
    String type = body.path("spec").path("type").asText("ClusterIP");
    if (type.equals("NodePort") || type.equals("LoadBalancer")) {
      edits.set(TextNode.valueOf("ClusterIP"), "spec", "type");
      JsonNode ports = body.path("spec").path("ports");
      for (int i = 0; i < ports.size(); i++) {
        edits.remove("spec", "ports", Integer.toString(i), "nodePort");
      }
      LOAD_BALANCER_FIELDS.forEach(field -> edits.remove("spec", field));
    }
    edits.remove("spec", "externalIPs");
  }

  /**
   * The objects that keep a namespace inert whatever is restored into it, to be created before
   * anything else: a NetworkPolicy selecting every pod with no rule (all ingress and egress
   * denied) and a ResourceQuota of {@link #QUOTA_HARD}.
   */
  public static List<HasMetadata> guards(String namespace, Map<String, String> labels) {
    Map<String, String> marked = new LinkedHashMap<>(labels);
    marked.put("app.kubernetes.io/managed-by", "lifeboat");
    Map<String, Quantity> hard = new LinkedHashMap<>();
    QUOTA_HARD.forEach((k, v) -> hard.put(k, new Quantity(v)));
    return List.of(
        new NetworkPolicyBuilder().withNewMetadata().withName(DENY_ALL).withNamespace(namespace).withLabels(marked)
            .endMetadata().withNewSpec().withNewPodSelector().endPodSelector().withPolicyTypes("Ingress", "Egress")
            .endSpec().build(),
        new ResourceQuotaBuilder().withNewMetadata().withName(QUOTA).withNamespace(namespace).withLabels(marked)
            .endMetadata().withNewSpec().withHard(hard).endSpec().build());
  }

  /** Edits of one object, each recorded when it changes something. */
  private static final class Edits {
    private final ObjectNode body;
    private final List<FieldChange> changes = new ArrayList<>();

    Edits(ObjectNode body) {
      this.body = body;
    }

    void set(JsonNode value, String... path) {
      List<String> at = List.of(path);
      JsonNode before = FieldChange.at(body, at);
      if (!value.equals(before)) {
        FieldChange.set(body, at, value);
        changes.add(new FieldChange(NAME, at, before.isMissingNode() ? null : before.deepCopy(), value));
      }
    }

    void remove(String... path) {
      List<String> at = List.of(path);
      JsonNode before = FieldChange.at(body, at);
      if (!before.isMissingNode()) {
        FieldChange.remove(body, at);
        changes.add(new FieldChange(NAME, at, before.deepCopy(), null));
      }
    }
  }
}
