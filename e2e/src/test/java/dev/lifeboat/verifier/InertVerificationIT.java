package dev.lifeboat.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeboat.verifier.VerifierConfig;
import dev.lifeboat.embedded.LocalKubernetes;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.VerificationCheck;
import dev.lifeboat.events.v1.VerificationOutcome;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.restore.InertTransform;
import dev.lifeboat.restore.Progress;
import dev.lifeboat.restore.SourceCluster;
import dev.lifeboat.testing.Closer;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ReplicationControllerBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A verification restores copies of production that cannot run, serve or scale: every kind of
 * workload, service, route and autoscaler of a namespace, captured by the real watcher and
 * snapshotted by the real snapshotter, is verified in a scratch namespace of a shared cluster (the
 * local API) and looked at the moment the restore has written everything, before the verifier
 * compares and cleans up.
 */
@LifeboatIntegrationTest
class InertVerificationIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ResourceDefinitionContext GATEWAYS = gatewayApi("gateways", "Gateway");
  private static final ResourceDefinitionContext HTTP_ROUTES = gatewayApi("httproutes", "HTTPRoute");

  @TempDir
  Path dir;

  @RegisterExtension
  final Closer closer = new Closer();

  /** What was in the shared cluster when the restore had written everything. */
  private record Observed(String namespace, Map<String, String> namespaceLabels, List<GenericKubernetesResource> objects,
      Set<String> clusterScoped) {
    List<JsonNode> of(String kind) {
      return objects.stream().filter(o -> o.getKind().equals(kind)).map(InertVerificationIT::tree).toList();
    }

    JsonNode one(String kind, String name) {
      return of(kind).stream().filter(o -> o.path("metadata").path("name").asText().equals(name)).findFirst()
          .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " restored into " + namespace));
    }
  }

  @Test
  void nothingRestoredForAVerificationCanRunServeOrScaleAndNothingClusterScopedIsWrittenIntoASharedCluster(
      TestStack stack) throws Exception {
    Fixture f = new Fixture(stack);
    List<String> before = ApiObjects.clusterScoped(f.shared.client());
    AtomicReference<Observed> observed = new AtomicReference<>();

    SnapshotVerifier.Result result = f.verifier.resources(f.source.restoreSource(), f.manifest, List.of("shop"),
        whenRestored(() -> observed.set(observe(f.shared.client()))));

    // the proof still compares everything the transform did not change, and lists what it changed
    assertThat(result.outcome()).as("%s", result.list()).isEqualTo(VerificationOutcome.PASSED);
    assertThat(result.list()).extracting(VerificationCheck::getName)
        .containsExactly("objects-read", "objects-accepted", "objects-equal", "scratch-inert");
    Observed o = observed.get();
    assertThat(o).as("the restore reported its last object").isNotNull();
    VerificationCheck equal = check(result, "objects-equal");
    assertThat(equal.getPassed()).isTrue();
    assertThat(Long.parseLong(equal.getEvidence().get("compared"))).isEqualTo(o.objects().size() - 2); // guards aside
    VerificationCheck inert = check(result, InertCheck.NAME);
    assertThat(inert.getEvidence().get("transform")).startsWith("inert (dev.lifeboat.restore.InertTransform)");
    assertThat(inert.getEvidence().get("changed")).contains(
        "Deployment " + o.namespace() + "/web spec.replicas: 3 -> 0",
        "Service " + o.namespace() + "/web-lb spec.type: \"LoadBalancer\" -> \"ClusterIP\"",
        "Ingress " + o.namespace() + "/web spec.ingressClassName: \"nginx\" -> \"lifeboat-inert\"",
        "CronJob " + o.namespace() + "/nightly spec.suspend: absent -> true");
    assertThat(inert.getEvidence().get("notRestored")).isEqualTo("Pod shop/debug");
    assertThat(check(result, "objects-accepted").getEvidence()).containsEntry("notRestoredInert", "1");

    // no workload can start a pod
    assertThat(o.one("Deployment", "web").path("spec").path("replicas").asInt(-1)).isZero();
    assertThat(o.one("StatefulSet", "db").path("spec").path("replicas").asInt(-1)).isZero();
    assertThat(o.one("ReplicaSet", "legacy").path("spec").path("replicas").asInt(-1)).isZero();
    assertThat(o.one("ReplicationController", "old").path("spec").path("replicas").asInt(-1)).isZero();
    assertThat(o.one("Job", "migrate").path("spec").path("suspend").asBoolean()).isTrue();
    assertThat(o.one("CronJob", "nightly").path("spec").path("suspend").asBoolean()).isTrue();
    assertThat(o.one("DaemonSet", "agent").path("spec").path("template").path("spec").path("nodeSelector")
        .path(InertTransform.NODE_SELECTOR_KEY).asText()).isEqualTo(InertTransform.NODE_SELECTOR_VALUE);
    assertThat(o.of("Pod")).as("a bare Pod is not restored").isEmpty();
    assertThat(o.one("PersistentVolumeClaim", "data").path("spec").path("storageClassName").asText())
        .isEqualTo(InertTransform.ABSENT);
    assertThat(o.one("PersistentVolumeClaim", "data").path("spec").has("volumeName")).isFalse();
    // nothing can receive traffic from outside
    assertThat(o.of("Service")).hasSize(3).allSatisfy(s -> {
      assertThat(s.path("spec").path("type").asText("ClusterIP")).isEqualTo("ClusterIP");
      assertThat(s.path("spec").path("ports").findValues("nodePort")).isEmpty();
      assertThat(s.path("spec").has("externalIPs")).isFalse();
      assertThat(s.path("spec").has("loadBalancerIP")).isFalse();
      assertThat(s.path("spec").has("healthCheckNodePort")).isFalse();
    });
    assertThat(o.one("Ingress", "web").path("spec").path("ingressClassName").asText()).isEqualTo(InertTransform.ABSENT);
    assertThat(o.one("Ingress", "web").path("metadata").path("annotations").has("kubernetes.io/ingress.class")).isFalse();
    assertThat(o.one("HTTPRoute", "web").path("spec").path("parentRefs")).isEmpty();
    assertThat(o.one("Gateway", "gw").path("spec").path("gatewayClassName").asText()).isEqualTo(InertTransform.ABSENT);
    // no autoscaler can act: its target does not exist
    String hpaTarget = o.one("HorizontalPodAutoscaler", "web").path("spec").path("scaleTargetRef").path("name").asText();
    assertThat(o.of("Deployment")).noneMatch(d -> d.path("metadata").path("name").asText().equals(hpaTarget));
    // the guards, written before anything else in the namespace
    JsonNode quota = o.one("ResourceQuota", InertTransform.QUOTA);
    assertThat(quota.path("spec").path("hard").path("pods").asText()).isEqualTo("0");
    assertThat(quota.path("spec").path("hard").path("services.loadbalancers").asText()).isEqualTo("0");
    assertThat(quota.path("spec").path("hard").path("services.nodeports").asText()).isEqualTo("0");
    JsonNode policy = o.one("NetworkPolicy", InertTransform.DENY_ALL);
    assertThat(policy.path("spec").path("podSelector")).isEmpty();
    assertThat(policy.path("spec").path("policyTypes").toString()).isEqualTo("[\"Ingress\",\"Egress\"]");
    assertThat(policy.path("spec").has("ingress") || policy.path("spec").has("egress")).isFalse();
    long guardsWritten = Math.max(version(quota), version(policy));
    assertThat(o.objects()).filteredOn(r -> !Set.of(InertTransform.QUOTA, InertTransform.DENY_ALL)
            .contains(r.getMetadata().getName()))
        .isNotEmpty().allSatisfy(r -> assertThat(Long.parseLong(r.getMetadata().getResourceVersion()))
            .as("%s %s written after the guards", r.getKind(), r.getMetadata().getName()).isGreaterThan(guardsWritten));
    // every scratch object and the namespace carry the label the watcher skips them by
    String id = o.namespaceLabels().get(ScratchTargets.LABEL);
    assertThat(id).isNotBlank();
    assertThat(o.objects()).allSatisfy(r -> assertThat(r.getMetadata().getLabels())
        .as("%s %s", r.getKind(), r.getMetadata().getName()).containsEntry(ScratchTargets.LABEL, id));
    // the only cluster-scoped object written into the shared cluster is the scratch namespace
    Set<String> added = new HashSet<>(o.clusterScoped());
    before.forEach(added::remove);
    assertThat(added).containsExactly("Namespace/" + o.namespace());
    assertThat(o.clusterScoped()).doesNotContain("ClusterRole/shop-reader", "StorageClass/fast", "PersistentVolume/pv-data");
    // and everything the verification wrote is gone again
    assertThat(f.shared.client().namespaces().withLabel(ScratchTargets.LABEL).list().getItems()).isEmpty();
  }

  @Test
  void aScratchClusterThatUndoesTheInertTransformOrLosesAGuardFailsTheVerification(TestStack stack) throws Exception {
    Fixture f = new Fixture(stack);

    SnapshotVerifier.Result result = f.verifier.resources(f.source.restoreSource(), f.manifest, List.of("shop"),
        whenRestored(() -> {
          // what a mutating webhook or an operator of the scratch cluster might do
          KubernetesClient client = f.shared.client();
          String ns = client.namespaces().withLabel(ScratchTargets.LABEL).list().getItems().get(0).getMetadata().getName();
          client.apps().deployments().inNamespace(ns).withName("web")
              .edit(d -> new DeploymentBuilder(d).editSpec().withReplicas(2).endSpec().build());
          client.resourceQuotas().inNamespace(ns).withName(InertTransform.QUOTA).delete();
        }));

    assertThat(result.outcome()).isEqualTo(VerificationOutcome.FAILED);
    VerificationCheck inert = check(result, InertCheck.NAME);
    assertThat(inert.getPassed()).isFalse();
    assertThat(inert.getEvidence().get("problems")).contains("has no ResourceQuota lifeboat-inert")
        .contains("/web: spec.replicas is 2, 0 was sent");
    assertThat(check(result, "objects-equal").getPassed()).as("the replicas are the transform's to compare").isTrue();
  }

  /** A progress listener that runs {@code action} once, when the restore has written its last object. */
  private static Progress whenRestored(Runnable action) {
    return update -> {
      if (update.finished() && update.stage().equals("restoring")) {
        action.run();
      }
    };
  }

  private static Observed observe(KubernetesClient client) {
    var namespaces = client.namespaces().withLabel(ScratchTargets.LABEL).list().getItems();
    assertThat(namespaces).hasSize(1);
    String namespace = namespaces.get(0).getMetadata().getName();
    return new Observed(namespace, namespaces.get(0).getMetadata().getLabels(), ApiObjects.inNamespace(client, namespace),
        new HashSet<>(ApiObjects.clusterScoped(client)));
  }

  /** A snapshot of a namespace with one of every kind that could run, serve or scale, and a shared cluster to verify it in. */
  private final class Fixture {
    final SourceCluster source;
    final LocalKubernetes shared;
    final Manifest manifest;
    final SnapshotVerifier verifier;

    Fixture(TestStack stack) throws Exception {
      source = closer.register(new SourceCluster(stack));
      installGatewayApi(source.kube());
      seed(source.kube());
      source.watch();
      source.awaitCaptured();
      SnapshotCompleted snapshot = source.snapshot();
      manifest = source.repository().manifests().read(snapshot.getManifestKey()).orElseThrow();
      shared = closer.register(LocalKubernetes.start(0)); // serves the Gateway API, as a shared cluster with it installed does
      installGatewayApi(shared.client());
      ScratchTargets scratch = new ScratchTargets(shared::client, false, "designated cluster context lifeboat-local",
          "lifeboat-verify", dir.resolve("scratch-" + source.cluster));
      verifier = new SnapshotVerifier(scratch, VerifierConfig.defaults().withScratchDir(dir), () -> {
        throw new AssertionError("a resource verification does not read the protected cluster");
      });
    }
  }

  private static void seed(KubernetesClient kube) {
    String ns = "shop";
    kube.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    List<HasMetadata> objects = List.of(
        new ConfigMapBuilder().withNewMetadata().withName("settings").endMetadata().addToData("color", "blue").build(),
        new SecretBuilder().withNewMetadata().withName("db").endMetadata().addToData("password",
            Base64.getEncoder().encodeToString("hunter2".getBytes(StandardCharsets.UTF_8))).build(),
        new DeploymentBuilder().withNewMetadata().withName("web").endMetadata().withNewSpec().withReplicas(3)
            .withNewSelector().addToMatchLabels("app", "web").endSelector().withTemplate(template("web")).endSpec().build(),
        new StatefulSetBuilder().withNewMetadata().withName("db").endMetadata().withNewSpec().withReplicas(2)
            .withServiceName("db").withNewSelector().addToMatchLabels("app", "db").endSelector()
            .withTemplate(template("db")).endSpec().build(),
        new ReplicaSetBuilder().withNewMetadata().withName("legacy").endMetadata().withNewSpec().withReplicas(2)
            .withNewSelector().addToMatchLabels("app", "legacy").endSelector().withTemplate(template("legacy")).endSpec()
            .build(),
        new ReplicationControllerBuilder().withNewMetadata().withName("old").endMetadata().withNewSpec().withReplicas(1)
            .addToSelector("app", "old").withTemplate(template("old")).endSpec().build(),
        new DaemonSetBuilder().withNewMetadata().withName("agent").endMetadata().withNewSpec().withNewSelector()
            .addToMatchLabels("app", "agent").endSelector().withTemplate(template("agent")).endSpec().build(),
        new JobBuilder().withNewMetadata().withName("migrate").endMetadata().withNewSpec().withSuspend(false)
            .withTemplate(template("migrate")).endSpec().build(),
        new CronJobBuilder().withNewMetadata().withName("nightly").endMetadata().withNewSpec().withSchedule("0 3 * * *")
            .withNewJobTemplate().withNewSpec().withTemplate(template("nightly")).endSpec().endJobTemplate().endSpec().build(),
        new PodBuilder().withNewMetadata().withName("debug").endMetadata().withNewSpec().addNewContainer().withName("sh")
            .withImage("busybox").endContainer().endSpec().build(),
        new ServiceBuilder().withNewMetadata().withName("web-lb").endMetadata().withNewSpec().withType("LoadBalancer")
            .withClusterIP("10.96.0.30").withLoadBalancerIP("203.0.113.7").withExternalTrafficPolicy("Local")
            .withHealthCheckNodePort(31000).addToSelector("app", "web").addNewPort().withPort(80).withNodePort(30080)
            .withTargetPort(new IntOrString(8080)).endPort().endSpec().build(),
        new ServiceBuilder().withNewMetadata().withName("web-np").endMetadata().withNewSpec().withType("NodePort")
            .addToSelector("app", "web").addNewPort().withPort(80).withNodePort(30081).endPort().endSpec().build(),
        new ServiceBuilder().withNewMetadata().withName("web").endMetadata().withNewSpec().withClusterIP("10.96.0.31")
            .withExternalIPs("198.51.100.9").addToSelector("app", "web").addNewPort().withPort(80).endPort().endSpec()
            .build(),
        new IngressBuilder().withNewMetadata().withName("web").addToAnnotations("kubernetes.io/ingress.class", "nginx")
            .endMetadata().withNewSpec().withIngressClassName("nginx").addNewRule().withHost("shop.example.com")
            .endRule().endSpec().build(),
        new HorizontalPodAutoscalerBuilder().withNewMetadata().withName("web").endMetadata().withNewSpec()
            .withNewScaleTargetRef().withApiVersion("apps/v1").withKind("Deployment").withName("web").endScaleTargetRef()
            .withMinReplicas(2).withMaxReplicas(10).endSpec().build(),
        new PersistentVolumeClaimBuilder().withNewMetadata().withName("data").endMetadata().withNewSpec()
            .withStorageClassName("fast").withVolumeName("pv-data").withAccessModes("ReadWriteOnce").withNewResources()
            .addToRequests("storage", new Quantity("1Gi")).endResources().endSpec().build(),
        new NetworkPolicyBuilder().withNewMetadata().withName("allow-web").endMetadata().withNewSpec()
            .withNewPodSelector().addToMatchLabels("app", "web").endPodSelector().addNewIngress().endIngress()
            .withPolicyTypes("Ingress").endSpec().build());
    for (HasMetadata object : objects) {
      object.getMetadata().setNamespace(ns);
      kube.resource(object).create();
    }
    kube.genericKubernetesResources(GATEWAYS).inNamespace(ns).resource(generic("Gateway", "gw", Map.of(
        "gatewayClassName", "istio", "listeners", List.of(Map.of("name", "http", "port", 80, "protocol", "HTTP")))))
        .create();
    kube.genericKubernetesResources(HTTP_ROUTES).inNamespace(ns).resource(generic("HTTPRoute", "web", Map.of(
        "parentRefs", List.of(Map.of("name", "gw")), "hostnames", List.of("shop.example.com")))).create();
    // cluster-scoped objects a shared cluster must not receive
    kube.resource(new ClusterRoleBuilder().withNewMetadata().withName("shop-reader").endMetadata().addNewRule()
        .withApiGroups("").withResources("configmaps").withVerbs("get").endRule().build()).create();
    kube.resource(new StorageClassBuilder().withNewMetadata().withName("fast").endMetadata()
        .withProvisioner("csi.example.com").build()).create();
    kube.resource(new PersistentVolumeBuilder().withNewMetadata().withName("pv-data").endMetadata().withNewSpec()
        .withStorageClassName("fast").addToCapacity("storage", new Quantity("1Gi")).withAccessModes("ReadWriteOnce")
        .withNewCsi().withDriver("csi.example.com").withVolumeHandle("vol-1").endCsi().endSpec().build()).create();
  }

  private static PodTemplateSpec template(String app) {
    return new PodTemplateSpecBuilder().withNewMetadata().addToLabels("app", app).endMetadata().withNewSpec()
        .addNewContainer().withName(app).withImage("registry.example.com/" + app + ":1").endContainer()
        .withRestartPolicy(app.equals("migrate") || app.equals("nightly") ? "OnFailure" : "Always").endSpec().build();
  }

  private static GenericKubernetesResource generic(String kind, String name, Map<String, Object> spec) {
    return new GenericKubernetesResourceBuilder().withApiVersion("gateway.networking.k8s.io/v1").withKind(kind)
        .withNewMetadata().withName(name).endMetadata().addToAdditionalProperties("spec", spec).build();
  }

  private static void installGatewayApi(KubernetesClient client) {
    for (ResourceDefinitionContext kind : List.of(GATEWAYS, HTTP_ROUTES)) {
      client.apiextensions().v1().customResourceDefinitions().resource(new CustomResourceDefinitionBuilder()
          .withNewMetadata().withName(kind.getPlural() + "." + kind.getGroup()).endMetadata()
          .withNewSpec().withGroup(kind.getGroup()).withScope("Namespaced")
          .withNewNames().withPlural(kind.getPlural()).withSingular(kind.getKind().toLowerCase()).withKind(kind.getKind())
          .endNames().addNewVersion().withName("v1").withServed(true).withStorage(true)
          .withNewSchema().withNewOpenAPIV3Schema().withType("object").withXKubernetesPreserveUnknownFields(true)
          .endOpenAPIV3Schema().endSchema().endVersion().endSpec().build()).create();
    }
  }

  private static ResourceDefinitionContext gatewayApi(String plural, String kind) {
    return new ResourceDefinitionContext.Builder().withGroup("gateway.networking.k8s.io").withVersion("v1")
        .withPlural(plural).withKind(kind).withNamespaced(true).build();
  }

  private static long version(JsonNode object) {
    return Long.parseLong(object.path("metadata").path("resourceVersion").asText());
  }

  private static JsonNode tree(GenericKubernetesResource r) {
    return JSON.valueToTree(r);
  }

  private static VerificationCheck check(SnapshotVerifier.Result result, String name) {
    return result.list().stream().filter(c -> c.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no check " + name + " in " + result.list()));
  }
}
