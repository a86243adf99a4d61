package dev.lifeboat.restore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.embedded.LocalKubernetes;
import dev.lifeboat.events.v1.ConflictPolicy;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.restore.ResourceRestoreReport.Action;
import dev.lifeboat.restore.ResourceRestoreReport.Outcome;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Restores through the whole chain: objects in a source cluster, captured by the real watcher (the
 * Secret sealed), backed up by the real snapshotter into S3, restored by the engine into a second
 * API server with namespace mapping, transforms, dependency order, CRD establishment, conflict
 * policies and a dry run; and restored as they were at an instant from the change-log archive.
 */
@LifeboatIntegrationTest
class ResourceRestoreIT {
  private static final ResourceDefinitionContext WIDGETS = new ResourceDefinitionContext.Builder()
      .withGroup("example.com").withVersion("v1").withKind("Widget").withPlural("widgets").withNamespaced(true).build();

  private SourceCluster source;
  private LocalKubernetes scratch;

  @AfterEach
  void close() throws Exception {
    if (scratch != null) {
      scratch.close();
    }
    if (source != null) {
      source.close();
    }
  }

  @Test
  void aSnapshotRestoresIntoAnotherClusterWithNamespaceMappingTransformsAndConflictPolicies(TestStack stack) throws Exception {
    source = new SourceCluster(stack);
    KubernetesClient kube = source.kube();
    seedShop(kube);
    source.watch();
    source.awaitCaptured();
    SnapshotCompleted snapshot = source.snapshot();
    scratch = LocalKubernetes.start(0);
    KubernetesClient target = scratch.client();
    RestoreEngine engine = new RestoreEngine(source.restoreSource());

    ResourceRestorePlan plan = ResourceRestorePlan.fromSnapshot(source.cluster, snapshot.getSnapshotId())
        .namespaces(List.of("shop")).namespaceMapping(Map.of("shop", "shop-copy")).build();
    ResourceRestoreReport report = engine.restoreResources(plan, target, Progress.NONE);

    assertThat(report.failures()).isEmpty();
    assertThat(report.snapshotId()).isEqualTo(snapshot.getSnapshotId());
    assertThat(names(report, Action.CREATE)).containsExactlyInAnyOrder(
        "CustomResourceDefinition widgets.example.com", "ServiceAccount web", "Role reader", "RoleBinding reader",
        "ConfigMap settings", "ConfigMap other", "Secret credentials", "PersistentVolumeClaim data", "Service web",
        "Deployment web", "Widget gadget");
    assertThat(names(report, Action.SKIP)).containsExactlyInAnyOrder("ReplicaSet web-5d9f", "Pod web-5d9f-abcde");
    assertThat(report.namespacesCreated()).containsExactly("shop-copy");
    // dependency order: the CRD, then identities, configuration, storage, services, workloads, custom resources
    List<String> order = report.outcomes().stream().filter(o -> o.action() == Action.CREATE).map(Outcome::kind).distinct().toList();
    assertThat(order).containsSubsequence("CustomResourceDefinition", "ServiceAccount", "Role", "ConfigMap", "Secret",
        "PersistentVolumeClaim", "Service", "Deployment", "Widget");

    // objects are equal in what they say, in the mapped namespace, with what the target assigns removed
    assertThat(target.namespaces().withName("shop-copy").get().getMetadata().getLabels()).containsEntry("team", "payments");
    ConfigMap settings = target.configMaps().inNamespace("shop-copy").withName("settings").get();
    assertThat(settings.getData()).isEqualTo(kube.configMaps().inNamespace("shop").withName("settings").get().getData());
    assertThat(settings.getMetadata().getUid()).isNotEqualTo(
        kube.configMaps().inNamespace("shop").withName("settings").get().getMetadata().getUid());
    assertThat(target.secrets().inNamespace("shop-copy").withName("credentials").get().getData())
        .isEqualTo(kube.secrets().inNamespace("shop").withName("credentials").get().getData())
        .containsEntry("password", b64("s3cr3t"));
    Service service = target.services().inNamespace("shop-copy").withName("web").get();
    assertThat(service.getSpec().getClusterIP()).isNull();
    assertThat(service.getSpec().getPorts()).isEqualTo(kube.services().inNamespace("shop").withName("web").get().getSpec().getPorts());
    Deployment deployment = target.apps().deployments().inNamespace("shop-copy").withName("web").get();
    assertThat(deployment.getSpec()).isEqualTo(kube.apps().deployments().inNamespace("shop").withName("web").get().getSpec());
    assertThat(deployment.getStatus()).isNull();
    assertThat(target.rbac().roleBindings().inNamespace("shop-copy").withName("reader").get().getSubjects())
        .singleElement().satisfies(s -> assertThat(s.getNamespace()).isEqualTo("shop-copy"));
    assertThat(target.apps().replicaSets().inNamespace("shop-copy").list().getItems()).isEmpty();
    assertThat(target.pods().inNamespace("shop-copy").list().getItems()).isEmpty();
    GenericKubernetesResource widget = target.genericKubernetesResources(WIDGETS).inNamespace("shop-copy")
        .withName("gadget").get();
    assertThat(widget.getAdditionalProperties().get("spec")).isEqualTo(Map.of("size", 3, "color", "blue"));
    assertThat(target.configMaps().inNamespace("cache").list().getItems()).isEmpty(); // not selected

    // again, SKIP: everything exists
    ResourceRestoreReport again = engine.restoreResources(plan, target, Progress.NONE);
    assertThat(again.created()).isZero();
    assertThat(again.skipped()).isEqualTo(report.created() + report.skipped());

    // UPDATE: a JSON merge patch puts back what was changed, and leaves the rest alone
    target.configMaps().inNamespace("shop-copy").withName("settings").edit(c -> new ConfigMapBuilder(c)
        .addToData("color", "red").addToData("extra", "kept").build());
    ResourceRestorePlan update = ResourceRestorePlan.fromSnapshot(source.cluster, snapshot.getSnapshotId())
        .namespaces(List.of("shop")).namespaceMapping(Map.of("shop", "shop-copy")).conflictPolicy(ConflictPolicy.UPDATE)
        .build();
    ResourceRestoreReport updated = engine.restoreResources(update, target, Progress.NONE);
    assertThat(names(updated, Action.UPDATE)).containsExactly("ConfigMap settings");
    assertThat(updated.unchanged()).isEqualTo(report.created() - 1);
    assertThat(target.configMaps().inNamespace("shop-copy").withName("settings").get().getData())
        .containsEntry("color", "blue").containsEntry("extra", "kept");

    // dry run: says what would be created, writes nothing
    ResourceRestorePlan dry = ResourceRestorePlan.fromSnapshot(source.cluster, snapshot.getSnapshotId())
        .namespaces(List.of("shop", "cache")).namespaceMapping(Map.of("shop", "dry-shop", "cache", "dry-cache"))
        .dryRun(true).build();
    ResourceRestoreReport planned = engine.restoreResources(dry, target, Progress.NONE);
    assertThat(planned.dryRun()).isTrue();
    assertThat(names(planned, Action.CREATE)).contains("ConfigMap settings", "ConfigMap redis", "Widget gadget");
    assertThat(names(planned, Action.SKIP)).containsExactlyInAnyOrder("CustomResourceDefinition widgets.example.com",
        "ReplicaSet web-5d9f", "Pod web-5d9f-abcde");
    assertThat(planned.namespacesCreated()).containsExactlyInAnyOrder("dry-shop", "dry-cache");
    assertThat(target.namespaces().withName("dry-shop").get()).isNull();
    assertThat(target.configMaps().inNamespace("dry-shop").list().getItems()).isEmpty();

    // kinds and a label selector narrow it down
    ResourceRestorePlan narrow = ResourceRestorePlan.fromSnapshot(source.cluster, snapshot.getSnapshotId())
        .kinds(List.of("configmaps")).labelSelector("app in (web),tier!=cache")
        .namespaceMapping(Map.of("shop", "narrow-shop", "cache", "narrow-cache")).build();
    ResourceRestoreReport narrowed = engine.restoreResources(narrow, target, Progress.NONE);
    assertThat(names(narrowed, Action.CREATE)).containsExactly("ConfigMap settings");
    assertThat(target.configMaps().inNamespace("narrow-shop").withName("settings").get()).isNotNull();
  }

  @Test
  void aPointInTimeRestoresObjectsAsTheyWereThenEvenIfChangedOrDeletedLater(TestStack stack) throws Exception {
    source = new SourceCluster(stack);
    KubernetesClient kube = source.kube();
    kube.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build()).create();
    kube.configMaps().inNamespace("shop").resource(configMap("a", "v1")).create();
    kube.configMaps().inNamespace("shop").resource(configMap("b", "v1")).create();
    kube.secrets().inNamespace("shop").resource(new SecretBuilder().withNewMetadata().withName("c").endMetadata()
        .addToData("token", b64("first")).build()).create();
    source.watch();
    source.awaitCaptured();
    SnapshotCompleted snapshot = source.snapshot();

    // after the snapshot, before T: changes only the change log holds
    kube.configMaps().inNamespace("shop").withName("a").edit(c -> new ConfigMapBuilder(c).addToData("value", "v2").build());
    kube.configMaps().inNamespace("shop").resource(configMap("d", "v1")).create();
    kube.secrets().inNamespace("shop").withName("c").edit(s -> new SecretBuilder(s).addToData("token", b64("second")).build());
    source.awaitArchived();
    Thread.sleep(50);
    Instant at = Instant.now();
    Thread.sleep(50);

    // after T: changed, deleted, created
    kube.configMaps().inNamespace("shop").withName("a").edit(c -> new ConfigMapBuilder(c).addToData("value", "v3").build());
    kube.configMaps().inNamespace("shop").withName("b").delete();
    kube.configMaps().inNamespace("shop").withName("d").delete();
    kube.secrets().inNamespace("shop").withName("c").delete();
    kube.configMaps().inNamespace("shop").resource(configMap("e", "v1")).create();
    source.awaitArchived();

    scratch = LocalKubernetes.start(0);
    KubernetesClient target = scratch.client();
    ResourceRestoreReport report = new RestoreEngine(source.restoreSource()).restoreResources(
        ResourceRestorePlan.atTime(source.cluster, at).namespaces(List.of("shop"))
            .namespaceMapping(Map.of("shop", "shop-then")).build(), target, Progress.NONE);

    assertThat(report.snapshotId()).isEqualTo(snapshot.getSnapshotId());
    assertThat(report.changesApplied()).isGreaterThanOrEqualTo(3);
    assertThat(report.gaps()).isEmpty();
    assertThat(report.failures()).isEmpty();
    Map<String, String> values = target.configMaps().inNamespace("shop-then").list().getItems().stream()
        .collect(Collectors.toMap(c -> c.getMetadata().getName(), c -> c.getData().get("value")));
    assertThat(values).isEqualTo(Map.of("a", "v2", "b", "v1", "d", "v1"));
    assertThat(target.secrets().inNamespace("shop-then").withName("c").get().getData())
        .containsEntry("token", b64("second"));
  }

  private static void seedShop(KubernetesClient kube) {
    kube.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop").addToLabels("team", "payments")
        .endMetadata().build()).create();
    kube.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("cache").endMetadata().build()).create();
    kube.apiextensions().v1().customResourceDefinitions().resource(new CustomResourceDefinitionBuilder()
        .withNewMetadata().withName("widgets.example.com").endMetadata()
        .withNewSpec().withGroup("example.com").withScope("Namespaced")
        .withNewNames().withKind("Widget").withPlural("widgets").withSingular("widget").withListKind("WidgetList").endNames()
        .addNewVersion().withName("v1").withServed(true).withStorage(true)
        .withNewSchema().withNewOpenAPIV3Schema().withType("object").withXKubernetesPreserveUnknownFields(true)
        .endOpenAPIV3Schema().endSchema().endVersion()
        .endSpec().build()).create();
    kube.serviceAccounts().inNamespace("shop").resource(new ServiceAccountBuilder().withNewMetadata().withName("web")
        .endMetadata().build()).create();
    kube.rbac().roles().inNamespace("shop").resource(new RoleBuilder().withNewMetadata().withName("reader").endMetadata()
        .addNewRule().withApiGroups("").withResources("configmaps").withVerbs("get", "list").endRule().build()).create();
    kube.rbac().roleBindings().inNamespace("shop").resource(new RoleBindingBuilder().withNewMetadata().withName("reader")
        .endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName("reader")
        .endRoleRef().addNewSubject().withKind("ServiceAccount").withName("web").withNamespace("shop").endSubject().build())
        .create();
    kube.configMaps().inNamespace("shop").resource(new ConfigMapBuilder().withNewMetadata().withName("settings")
        .addToLabels("app", "web").addToLabels("tier", "front").endMetadata()
        .addToData("color", "blue").addToData("size", "large").build()).create();
    kube.configMaps().inNamespace("shop").resource(new ConfigMapBuilder().withNewMetadata().withName("other")
        .addToLabels("app", "web").addToLabels("tier", "cache").endMetadata().addToData("x", "y").build()).create();
    kube.configMaps().inNamespace("cache").resource(new ConfigMapBuilder().withNewMetadata().withName("redis")
        .addToLabels("app", "redis").endMetadata().addToData("maxmemory", "1gb").build()).create();
    kube.secrets().inNamespace("shop").resource(new SecretBuilder().withNewMetadata().withName("credentials").endMetadata()
        .withType("Opaque").addToData("password", b64("s3cr3t")).build()).create();
    kube.persistentVolumeClaims().inNamespace("shop").resource(new PersistentVolumeClaimBuilder().withNewMetadata()
        .withName("data").endMetadata().withNewSpec().withAccessModes("ReadWriteOnce").withStorageClassName("standard")
        .withNewResources().addToRequests("storage", new Quantity("1Gi")).endResources().endSpec().build()).create();
    kube.services().inNamespace("shop").resource(new ServiceBuilder().withNewMetadata().withName("web").endMetadata()
        .withNewSpec().withClusterIP("10.96.0.15").withClusterIPs("10.96.0.15").addToSelector("app", "web")
        .addNewPort().withName("http").withPort(80).withProtocol("TCP").endPort().endSpec().build()).create();
    Deployment deployment = kube.apps().deployments().inNamespace("shop").resource(new DeploymentBuilder()
        .withNewMetadata().withName("web").addToLabels("app", "web").endMetadata()
        .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "web").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
        .withNewSpec().withServiceAccountName("web").addNewContainer().withName("web").withImage("nginx:1.27").endContainer()
        .endSpec().endTemplate().endSpec()
        .withNewStatus().withReplicas(2).withReadyReplicas(2).endStatus().build()).create();
    var replicaSet = kube.apps().replicaSets().inNamespace("shop").resource(new ReplicaSetBuilder()
        .withNewMetadata().withName("web-5d9f").addToLabels("app", "web").addNewOwnerReference().withApiVersion("apps/v1")
        .withKind("Deployment").withName("web").withUid(deployment.getMetadata().getUid()).withController(true).endOwnerReference()
        .endMetadata().withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "web").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata().withNewSpec().addNewContainer()
        .withName("web").withImage("nginx:1.27").endContainer().endSpec().endTemplate().endSpec().build()).create();
    kube.pods().inNamespace("shop").resource(new PodBuilder().withNewMetadata().withName("web-5d9f-abcde")
        .addToLabels("app", "web").addNewOwnerReference().withApiVersion("apps/v1").withKind("ReplicaSet")
        .withName("web-5d9f").withUid(replicaSet.getMetadata().getUid()).withController(true).endOwnerReference().endMetadata()
        .withNewSpec().withNodeName("node-1").addNewContainer().withName("web").withImage("nginx:1.27").endContainer()
        .endSpec().build()).create();
    kube.genericKubernetesResources(WIDGETS).inNamespace("shop").resource(new GenericKubernetesResource() {
      {
        setApiVersion("example.com/v1");
        setKind("Widget");
        setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("gadget").build());
        setAdditionalProperty("spec", Map.of("size", 3, "color", "blue"));
      }
    }).create();
  }

  private static ConfigMap configMap(String name, String value) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata().addToData("value", value).build();
  }

  private static List<String> names(ResourceRestoreReport report, Action action) {
    return report.outcomes().stream().filter(o -> o.action() == action).map(o -> o.kind() + " " + o.name()).toList();
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
