package dev.lifeboat.restore;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the inert transform changes, kind by kind, and that each change can be undone and masked exactly. */
class InertTransformTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void workloadsAreScaledToZeroSuspendedOrUnschedulable() throws Exception {
    assertThat(changes("apps", "Deployment", "{\"spec\":{\"replicas\":3,\"template\":{}}}"))
        .containsExactly("spec.replicas: 3 -> 0");
    assertThat(changes("apps", "StatefulSet", "{\"spec\":{}}")).containsExactly("spec.replicas: absent -> 0");
    assertThat(changes("apps", "ReplicaSet", "{\"spec\":{\"replicas\":2}}")).containsExactly("spec.replicas: 2 -> 0");
    assertThat(changes("", "ReplicationController", "{\"spec\":{\"replicas\":1}}"))
        .containsExactly("spec.replicas: 1 -> 0");
    assertThat(changes("batch", "Job", "{\"spec\":{\"suspend\":false}}")).containsExactly("spec.suspend: false -> true");
    assertThat(changes("batch", "CronJob", "{\"spec\":{\"schedule\":\"* * * * *\"}}"))
        .containsExactly("spec.suspend: absent -> true");
    assertThat(changes("apps", "DaemonSet", "{\"spec\":{\"template\":{\"spec\":{\"nodeSelector\":{\"disk\":\"ssd\"}}}}}"))
        .containsExactly("spec.template.spec.nodeSelector[\"lifeboat.dev/inert\"]: absent -> \"no-node-has-this-label\"");
    assertThat(InertTransform.refusal("", "Pod")).contains("bare Pod");
    assertThat(InertTransform.refusal("apps", "Deployment")).isNull();
    assertThat(changes("", "ConfigMap", "{\"data\":{\"a\":\"b\"}}")).isEmpty();
  }

  @Test
  void servicesLoseNodePortsLoadBalancersAndExternalIps() throws Exception {
    ObjectNode service = object("""
        {"spec":{"type":"LoadBalancer","ports":[{"port":80,"nodePort":30080},{"port":443,"nodePort":30443}],
         "loadBalancerIP":"1.2.3.4","loadBalancerSourceRanges":["0.0.0.0/0"],"externalTrafficPolicy":"Local",
         "healthCheckNodePort":31000,"allocateLoadBalancerNodePorts":true,"externalIPs":["5.6.7.8"],
         "selector":{"app":"web"}}}""");
    List<FieldChange> changes = InertTransform.apply(service, "", "Service");
    assertThat(service.path("spec").toString())
        .isEqualTo("{\"type\":\"ClusterIP\",\"ports\":[{\"port\":80},{\"port\":443}],\"selector\":{\"app\":\"web\"}}");
    assertThat(changes).extracting(FieldChange::describePath).containsExactly("spec.type", "spec.ports[0].nodePort",
        "spec.ports[1].nodePort", "spec.loadBalancerIP", "spec.loadBalancerSourceRanges", "spec.allocateLoadBalancerNodePorts",
        "spec.externalTrafficPolicy", "spec.healthCheckNodePort", "spec.externalIPs");
    assertThat(changes("", "Service", "{\"spec\":{\"type\":\"NodePort\",\"ports\":[{\"port\":80,\"nodePort\":30001}]}}"))
        .containsExactly("spec.type: \"NodePort\" -> \"ClusterIP\"", "spec.ports[0].nodePort: 30001 -> removed");
    assertThat(changes("", "Service", "{\"spec\":{\"ports\":[{\"port\":80}],\"externalIPs\":[\"9.9.9.9\"]}}"))
        .containsExactly("spec.externalIPs: [\"9.9.9.9\"] -> removed");
    assertThat(changes("", "Service", "{\"spec\":{\"clusterIP\":\"None\",\"ports\":[{\"port\":80}]}}")).isEmpty();
  }

  @Test
  void routesAutoscalersAndClaimsCannotAct() throws Exception {
    assertThat(changes("networking.k8s.io", "Ingress", """
        {"metadata":{"annotations":{"kubernetes.io/ingress.class":"nginx","team":"a"}},"spec":{"ingressClassName":"nginx"}}"""))
        .containsExactly("spec.ingressClassName: \"nginx\" -> \"lifeboat-inert\"",
            "metadata.annotations[\"kubernetes.io/ingress.class\"]: \"nginx\" -> removed");
    assertThat(changes("gateway.networking.k8s.io", "HTTPRoute", "{\"spec\":{\"parentRefs\":[{\"name\":\"gw\"}]}}"))
        .containsExactly("spec.parentRefs: [{\"name\":\"gw\"}] -> []");
    assertThat(changes("gateway.networking.k8s.io", "GRPCRoute", "{\"spec\":{\"parentRefs\":[{\"name\":\"gw\"}]}}"))
        .hasSize(1);
    assertThat(changes("gateway.networking.k8s.io", "Gateway", "{\"spec\":{\"gatewayClassName\":\"istio\"}}"))
        .containsExactly("spec.gatewayClassName: \"istio\" -> \"lifeboat-inert\"");
    assertThat(changes("autoscaling", "HorizontalPodAutoscaler",
        "{\"spec\":{\"scaleTargetRef\":{\"kind\":\"Deployment\",\"name\":\"web\"},\"minReplicas\":2}}"))
        .containsExactly("spec.scaleTargetRef.name: \"web\" -> \"lifeboat-inert\"");
    assertThat(changes("autoscaling.k8s.io", "VerticalPodAutoscaler", "{\"spec\":{\"updatePolicy\":{\"updateMode\":\"Auto\"}}}"))
        .containsExactly("spec.updatePolicy.updateMode: \"Auto\" -> \"Off\"");
    assertThat(changes("keda.sh", "ScaledObject", "{\"spec\":{}}")).containsExactly(
        "metadata.annotations[\"autoscaling.keda.sh/paused\"]: absent -> \"true\"",
        "metadata.annotations[\"autoscaling.keda.sh/paused-replicas\"]: absent -> \"0\"");
    assertThat(changes("", "PersistentVolumeClaim", "{\"spec\":{\"storageClassName\":\"fast\",\"volumeName\":\"pv-1\"}}"))
        .containsExactly("spec.storageClassName: \"fast\" -> \"lifeboat-inert\"", "spec.volumeName: \"pv-1\" -> removed");
  }

  @Test
  void revertingGivesTheSnapshotsObjectAndMaskingIgnoresExactlyTheChangedFields() throws Exception {
    String original = """
        {"metadata":{"name":"ds"},"spec":{"selector":{"app":"agent"},"template":{"spec":{"containers":[{"name":"a"}]}}}}""";
    ObjectNode sent = object(original);
    List<FieldChange> changes = InertTransform.apply(sent, "apps", "DaemonSet");

    ObjectNode reverted = sent.deepCopy();
    changes.forEach(c -> c.revert(reverted));
    JsonNode back = sent.deepCopy();
    assertThat(changes.get(0).heldIn(back)).isTrue();
    changes.forEach(c -> c.mask(reverted));
    changes.forEach(c -> c.mask(back));
    assertThat(back).isEqualTo(object(original));
    assertThat(reverted).isEqualTo(object(original));

    ((ObjectNode) back.path("spec").path("template").path("spec")).putObject("nodeSelector").put("zone", "a");
    assertThat(back).as("a field the transform did not change is still compared").isNotEqualTo(reverted);
    ObjectNode scaledBack = object("{\"spec\":{\"replicas\":2}}");
    assertThat(InertTransform.apply(object("{\"spec\":{\"replicas\":2}}"), "apps", "Deployment").get(0).heldIn(scaledBack))
        .as("a workload scaled up again in the target").isFalse();
  }

  @Test
  void everyInertNamespaceIsGuardedByADenyAllPolicyAndANoPodsQuota() {
    var guards = InertTransform.guards("lifeboat-verify-1-shop", java.util.Map.of("lifeboat.dev/verification", "1"));
    assertThat(guards).extracting(g -> g.getKind() + " " + g.getMetadata().getName())
        .containsExactly("NetworkPolicy lifeboat-inert-deny-all", "ResourceQuota lifeboat-inert");
    assertThat(guards).allSatisfy(g -> assertThat(g.getMetadata().getLabels())
        .containsEntry("lifeboat.dev/verification", "1").containsEntry("app.kubernetes.io/managed-by", "lifeboat"));
  }

  private static List<String> changes(String group, String kind, String json) throws Exception {
    return InertTransform.apply(object(json), group, kind).stream().map(FieldChange::describe).toList();
  }

  private static ObjectNode object(String json) throws Exception {
    return (ObjectNode) JSON.readTree(json);
  }
}
