package dev.lifeboat.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SelectionAndTransformsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ResourceRestorePlan plan = ResourceRestorePlan.fromSnapshot("prod", "s1")
      .namespaces(List.of("shop")).namespaceMapping(Map.of("shop", "shop-copy"))
      .namespaceLabels(Map.of("lifeboat.dev/verification", "abc")).build();

  @Test
  void labelSelectorsReadAsKubectlReadsThem() {
    Map<String, String> labels = Map.of("app", "web", "tier", "front", "env", "prod");
    assertThat(new LabelSelector("app=web").matches(labels)).isTrue();
    assertThat(new LabelSelector("app==web,tier!=cache").matches(labels)).isTrue();
    assertThat(new LabelSelector("env in (prod, staging),!legacy").matches(labels)).isTrue();
    assertThat(new LabelSelector("env notin (prod)").matches(labels)).isFalse();
    assertThat(new LabelSelector("tier").matches(labels)).isTrue();
    assertThat(new LabelSelector("app=db").matches(labels)).isFalse();
    assertThat(new LabelSelector(null).selectsEverything()).isTrue();
    assertThatThrownBy(() -> new LabelSelector("app=web,=oops")).hasMessageContaining("'=oops'");
    assertThatThrownBy(() -> ResourceRestorePlan.fromSnapshot("prod", "s1").labelSelector("a b c").build())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void oneGrammarForCommandsAndPlans() {
    LabelSelector selector = new LabelSelector("app=web, tier in (front,back), !legacy, owner, env!=prod");
    assertThat(selector.matches(Map.of("app", "web", "tier", "front", "owner", "x", "env", "dev"))).isTrue();
    assertThat(selector.matches(Map.of("app", "web", "tier", "front", "owner", "x"))).isTrue();
    assertThat(selector.matches(Map.of("app", "web", "tier", "db", "owner", "x"))).isFalse();
    assertThat(selector.matches(Map.of("app", "web", "tier", "front", "owner", "x", "legacy", "1"))).isFalse();
    assertThat(selector.matches(Map.of("app", "web", "tier", "front"))).isFalse();
    assertThat(selector.matches(Map.of("app", "web", "tier", "front", "owner", "x", "env", "prod"))).isFalse();
    assertThat(new LabelSelector("tier notin (db)").matches(Map.of())).isTrue();
    assertThat(new LabelSelector("env in(a,b)").matches(Map.of("env", "b"))).isTrue();
    assertThat(new LabelSelector("app.kubernetes.io/name=web,release=").matches(
        Map.of("app.kubernetes.io/name", "web", "release", ""))).isTrue();
    assertThatThrownBy(() -> new LabelSelector("=web")).hasMessageStartingWith("'=web' is not a label selector requirement");
    assertThatThrownBy(() -> new LabelSelector("app=a/b")).hasMessageContaining("'a/b' is not a label value");
    assertThatThrownBy(() -> new LabelSelector("-app=web")).hasMessageContaining("'-app' is not a label key");
    assertThatThrownBy(() -> new LabelSelector("app=" + "v".repeat(64))).hasMessageContaining("is not a label value");
    assertThatThrownBy(() -> new LabelSelector("env in ()")).hasMessageContaining("names no value");
    assertThatThrownBy(() -> new LabelSelector("app=web,")).hasMessageContaining("is not a label selector requirement");
  }

  @Test
  void kindsAreNamedAsKubectlNamesThem() {
    assertThat(KindNames.matches("deployments", "apps", "Deployment", null)).isTrue();
    assertThat(KindNames.matches("secrets", "", "ConfigMap", null)).isFalse();
    assertThat(KindNames.matches("Deployment", "apps", "Deployment", "deployments")).isTrue();
    assertThat(KindNames.matches("deployments.apps", "apps", "Deployment", "deployments")).isTrue();
    assertThat(KindNames.matches("deployments.batch", "apps", "Deployment", "deployments")).isFalse();
    assertThat(KindNames.matches("configmaps", "", "ConfigMap", null)).isTrue();
    assertThat(KindNames.matches("networkpolicies", "networking.k8s.io", "NetworkPolicy", null)).isTrue();
    assertThat(KindNames.matches("ingresses", "networking.k8s.io", "Ingress", null)).isTrue();
    assertThat(new RestorePriorities(List.of()).level("apiextensions.k8s.io", "CustomResourceDefinition", null)).isZero();
    assertThat(new RestorePriorities(List.of()).level("", "Secret", "secrets"))
        .isLessThan(new RestorePriorities(List.of()).level("apps", "Deployment", "deployments"));
    assertThat(new RestorePriorities(List.of()).level("example.com", "Widget", "widgets"))
        .isEqualTo(RestorePriorities.DEFAULT.size());
  }

  @Test
  void whatTheSourceClusterAssignedIsDroppedAndNamespacesAreMapped() throws Exception {
    ObjectNode service = (ObjectNode) JSON.readTree("""
        {"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"shop","uid":"u1","resourceVersion":"9",
         "creationTimestamp":"2026-01-01T00:00:00Z","generation":2,"managedFields":[{}],"ownerReferences":[{"uid":"x"}],
         "labels":{"app":"web"}},
         "spec":{"clusterIP":"10.0.0.1","clusterIPs":["10.0.0.1"],"ports":[{"port":80}]},"status":{"loadBalancer":{}}}""");
    JsonNode restored = ObjectTransforms.forRestore(service, "v1", "", "Service", "shop-copy", plan);
    assertThat(restored.path("metadata").toString())
        .isEqualTo("{\"name\":\"web\",\"namespace\":\"shop-copy\",\"labels\":{\"app\":\"web\"}}");
    assertThat(restored.path("spec").toString()).isEqualTo("{\"ports\":[{\"port\":80}]}");
    assertThat(restored.has("status")).isFalse();
    assertThat(service.path("metadata").path("uid").asText()).as("the input is left alone").isEqualTo("u1");

    JsonNode headless = ObjectTransforms.forRestore((ObjectNode) JSON.readTree(
        "{\"kind\":\"Service\",\"metadata\":{\"name\":\"db\"},\"spec\":{\"clusterIP\":\"None\"}}"), "v1", "", "Service",
        "shop-copy", plan);
    assertThat(headless.path("spec").path("clusterIP").asText()).isEqualTo("None");

    JsonNode pod = ObjectTransforms.forRestore((ObjectNode) JSON.readTree(
        "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"nodeName\":\"n1\",\"containers\":[]}}"), "v1", "",
        "Pod", "shop-copy", plan);
    assertThat(pod.path("spec").has("nodeName")).isFalse();

    JsonNode binding = ObjectTransforms.forRestore((ObjectNode) JSON.readTree("""
        {"kind":"RoleBinding","metadata":{"name":"b"},"subjects":[{"kind":"ServiceAccount","name":"web","namespace":"shop"},
         {"kind":"User","name":"ann"}]}"""), "rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io", "RoleBinding",
        "shop-copy", plan);
    assertThat(binding.path("subjects").get(0).path("namespace").asText()).isEqualTo("shop-copy");
    assertThat(binding.path("subjects").get(1).has("namespace")).isFalse();

    JsonNode namespace = ObjectTransforms.forRestore((ObjectNode) JSON.readTree(
        "{\"kind\":\"Namespace\",\"metadata\":{\"name\":\"shop\",\"labels\":{\"kubernetes.io/metadata.name\":\"shop\"}}}"),
        "v1", "", "Namespace", null, plan);
    assertThat(namespace.path("metadata").path("name").asText()).isEqualTo("shop-copy");
    assertThat(namespace.path("metadata").path("labels").toString()).isEqualTo(
        "{\"kubernetes.io/metadata.name\":\"shop-copy\",\"lifeboat.dev/verification\":\"abc\"}");

    JsonNode volume = ObjectTransforms.forRestore((ObjectNode) JSON.readTree("""
        {"kind":"PersistentVolume","metadata":{"name":"pv1"},"spec":{"claimRef":{"namespace":"shop","name":"data",
         "uid":"u","resourceVersion":"3"}}}"""), "v1", "", "PersistentVolume", null, plan);
    assertThat(volume.path("spec").path("claimRef").toString()).isEqualTo("{\"namespace\":\"shop-copy\",\"name\":\"data\"}");
  }

  @Test
  void aRestoredClaimLosesWhatBoundItToTheSourcesVolumeAndItsStorageClassIsMapped() throws Exception {
    ResourceRestorePlan mapped = ResourceRestorePlan.fromSnapshot("c", "20260101T000000Z-aaaaaa")
        .namespaceMapping(Map.of("shop", "shop-dr")).storageClassMapping(Map.of("gp2", "standard")).build();
    JsonNode claim = ObjectTransforms.forRestore((ObjectNode) JSON.readTree("""
        {"kind":"PersistentVolumeClaim","metadata":{"name":"data","namespace":"shop","annotations":{
          "pv.kubernetes.io/bind-completed":"yes","pv.kubernetes.io/bound-by-controller":"yes",
          "volume.kubernetes.io/selected-node":"node-1","volume.kubernetes.io/storage-provisioner":"ebs.csi.aws.com",
          "volume.beta.kubernetes.io/storage-provisioner":"ebs.csi.aws.com","team":"shop"}},
         "spec":{"accessModes":["ReadWriteOnce"],"storageClassName":"gp2","volumeName":"pvc-1234",
          "resources":{"requests":{"storage":"5Gi"}}},"status":{"phase":"Bound"}}"""), "v1", "", "PersistentVolumeClaim",
        "shop-dr", mapped);
    assertThat(claim.path("spec").has("volumeName")).as("bound to the source's volume").isFalse();
    assertThat(claim.path("spec").path("storageClassName").asText()).isEqualTo("standard");
    assertThat(claim.path("metadata").path("annotations").toString()).isEqualTo("{\"team\":\"shop\"}");
    assertThat(claim.path("spec").path("resources").toString()).isEqualTo("{\"requests\":{\"storage\":\"5Gi\"}}");
    assertThat(claim.has("status")).isFalse();

    JsonNode unmapped = ObjectTransforms.forRestore((ObjectNode) JSON.readTree("""
        {"kind":"PersistentVolumeClaim","metadata":{"name":"logs"},"spec":{"storageClassName":"fast"}}"""),
        "v1", "", "PersistentVolumeClaim", "shop-dr", mapped);
    assertThat(unmapped.path("spec").path("storageClassName").asText()).as("a class the map does not name").isEqualTo("fast");
  }

  @Test
  void aMergePatchIsComputedAsTheApiServerAppliesIt() throws Exception {
    JsonNode existing = JSON.readTree("{\"a\":1,\"b\":{\"c\":2,\"d\":3},\"e\":[1,2]}");
    assertThat(MergePatch.apply(existing, JSON.readTree("{\"b\":{\"c\":5,\"d\":null},\"e\":[3],\"f\":\"new\"}")).toString())
        .isEqualTo("{\"a\":1,\"b\":{\"c\":5},\"e\":[3],\"f\":\"new\"}");
    assertThat(MergePatch.apply(existing, JSON.readTree("{\"b\":{\"c\":2}}"))).isEqualTo(existing);
  }

  @Test
  void aPlanNamesASnapshotOrAnInstantAndDefaultsItsClusterScope() {
    assertThat(plan.clusterScoped()).isEqualTo(ResourceRestorePlan.ClusterScope.DEFINITIONS);
    assertThat(ResourceRestorePlan.atTime("prod", Instant.EPOCH).build().clusterScoped())
        .isEqualTo(ResourceRestorePlan.ClusterScope.ALL);
    assertThat(plan.targetNamespace("shop")).isEqualTo("shop-copy");
    assertThat(plan.targetNamespace("other")).isEqualTo("other");
    assertThat(plan.describeSource()).isEqualTo("snapshot s1");
  }
}
