package dev.lifeboat.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.File;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalKubernetesIT {

  private static final String GROUP = "example.lifeboat.dev";

  private static LocalKubernetes kubernetes;
  private static KubernetesClient client;

  @TempDir Path workDir;

  @BeforeAll
  static void start() {
    kubernetes = LocalKubernetes.start(0);
    client = kubernetes.client();
  }

  @AfterAll
  static void stop() {
    kubernetes.close();
    kubernetes.close();
  }

  @Test
  void closeStopsTheServerAndFreesItsPort() {
    LocalKubernetes other = LocalKubernetes.start(0);
    int port = URI.create(other.url()).getPort();
    assertThat(other.client().namespaces().withName("default").get()).isNotNull();

    other.close();
    other.close();

    assertThat(Ports.isFree(port)).isTrue();
  }

  @Test
  void discoveryDescribesTheBuiltInKinds() {
    assertThat(client.getKubernetesVersion().getMajor()).isEqualTo("1");
    assertThat(client.getApiGroups().getGroups())
        .extracting(APIGroup::getName)
        .contains(
            "apps",
            "batch",
            "networking.k8s.io",
            "rbac.authorization.k8s.io",
            "storage.k8s.io",
            "snapshot.storage.k8s.io",
            "apiextensions.k8s.io",
            "coordination.k8s.io",
            "discovery.k8s.io");

    APIResource deployments = resource(client.getApiResources("apps/v1"), "deployments");
    assertThat(deployments.getKind()).isEqualTo("Deployment");
    assertThat(deployments.getNamespaced()).isTrue();
    assertThat(deployments.getSingularName()).isEqualTo("deployment");
    assertThat(deployments.getShortNames()).containsExactly("deploy");
    assertThat(deployments.getVerbs())
        .containsExactlyInAnyOrder(
            "list", "watch", "get", "create", "update", "patch", "delete", "deletecollection");

    APIResourceList core = client.getApiResources("v1");
    assertThat(resource(core, "namespaces").getNamespaced()).isFalse();
    assertThat(resource(core, "namespaces").getShortNames()).containsExactly("ns");
    assertThat(resource(core, "persistentvolumeclaims").getKind())
        .isEqualTo("PersistentVolumeClaim");
    assertThat(resource(client.getApiResources("storage.k8s.io/v1"), "storageclasses")
            .getNamespaced())
        .isFalse();

    assertThat(client.namespaces().list().getItems())
        .extracting(ns -> ns.getMetadata().getName())
        .contains("default", "kube-system");
  }

  @Test
  void aCustomResourceDefinitionCreatedAtRunTimeIsDiscoveredAndServesItsObjects()
      throws Exception {
    CustomResourceDefinition crd = client.resource(crd("widgets", "Widget", "wd")).create();
    ResourceDefinitionContext widgets =
        new ResourceDefinitionContext.Builder()
            .withGroup(GROUP)
            .withVersion("v1")
            .withPlural("widgets")
            .withKind("Widget")
            .withNamespaced(true)
            .build();

    APIResource discovered = resource(client.getApiResources(GROUP + "/v1"), "widgets");
    assertThat(discovered.getKind()).isEqualTo("Widget");
    assertThat(discovered.getShortNames()).containsExactly("wd");
    assertThat(client.getApiGroups().getGroups()).extracting(APIGroup::getName).contains(GROUP);

    BlockingQueue<String> added = new LinkedBlockingQueue<>();
    Watch watch =
        client.genericKubernetesResources(widgets).inNamespace("default").watch(added(added));
    try {
      client.genericKubernetesResources(widgets).inNamespace("default").resource(widget("first")).create();
      client.genericKubernetesResources(widgets).inNamespace("default").resource(widget("second")).create();

      assertThat(client.genericKubernetesResources(widgets).inNamespace("default").list().getItems())
          .extracting(w -> w.getMetadata().getName())
          .containsExactlyInAnyOrder("first", "second");
      assertThat(
              List.of(added.poll(10, TimeUnit.SECONDS), added.poll(10, TimeUnit.SECONDS)))
          .containsExactlyInAnyOrder("first", "second");
    } finally {
      watch.close();
    }
    GenericKubernetesResource viaDiscovery =
        client.genericKubernetesResources(GROUP + "/v1", "Widget")
            .inNamespace("default")
            .withName("first")
            .get();
    assertThat(viaDiscovery.<String>get("spec", "size")).isEqualTo("small");

    client.resource(crd).delete();

    assertThat(client.getApiGroups().getGroups())
        .extracting(APIGroup::getName)
        .doesNotContain(GROUP);
  }

  @Test
  void theRealKubectlCanListCreateGetAndDelete() throws Exception {
    Path kubeconfig = kubernetes.writeKubeconfig(workDir.resolve("kubeconfig"));
    Kubectl run = new Kubectl(Tools.kubectl(), kubeconfig, workDir.resolve("cache"));

    assertThat(run.ok("get", "namespaces")).contains("default").contains("kube-system");

    Path configMap = workDir.resolve("settings.yaml");
    Files.writeString(
        configMap,
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: ConfigMap",
            "metadata:",
            "  name: settings",
            "  namespace: default",
            "data:",
            "  retention: 7d",
            ""));
    assertThat(run.ok("create", "-f", configMap.toString())).contains("configmap/settings created");

    JsonNode fetched = new ObjectMapper().readTree(run.ok("get", "configmap", "settings", "-o", "json"));
    assertThat(fetched.path("data").path("retention").asText()).isEqualTo("7d");

    client.resource(crd("gadgets", "Gadget", "gd")).create();
    client.genericKubernetesResources(GROUP + "/v1", "Gadget")
        .inNamespace("default")
        .resource(gadget("sprocket"))
        .create();
    assertThat(run.ok("get", "gadgets")).contains("sprocket");
    assertThat(run.ok("get", "gd")).contains("sprocket");

    assertThat(run.ok("delete", "configmap", "settings")).contains("deleted");
    assertThat(client.configMaps().inNamespace("default").withName("settings").get()).isNull();
  }

  private static APIResource resource(APIResourceList list, String name) {
    assertThat(list).as("resource list with %s", name).isNotNull();
    return list.getResources().stream()
        .filter(r -> r.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " not in " + list.getGroupVersion()));
  }

  private static CustomResourceDefinition crd(String plural, String kind, String shortName) {
    return new CustomResourceDefinitionBuilder()
        .withNewMetadata()
        .withName(plural + "." + GROUP)
        .endMetadata()
        .withNewSpec()
        .withGroup(GROUP)
        .withScope("Namespaced")
        .withNewNames()
        .withPlural(plural)
        .withSingular(kind.toLowerCase())
        .withKind(kind)
        .withShortNames(shortName)
        .endNames()
        .addNewVersion()
        .withName("v1")
        .withServed(true)
        .withStorage(true)
        .withNewSchema()
        .withNewOpenAPIV3Schema()
        .withType("object")
        .withXKubernetesPreserveUnknownFields(true)
        .endOpenAPIV3Schema()
        .endSchema()
        .endVersion()
        .endSpec()
        .build();
  }

  private static GenericKubernetesResource widget(String name) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion(GROUP + "/v1")
        .withKind("Widget")
        .withNewMetadata()
        .withName(name)
        .withNamespace("default")
        .endMetadata()
        .withAdditionalProperties(Map.of("spec", Map.of("size", "small")))
        .build();
  }

  private static GenericKubernetesResource gadget(String name) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion(GROUP + "/v1")
        .withKind("Gadget")
        .withNewMetadata()
        .withName(name)
        .withNamespace("default")
        .endMetadata()
        .build();
  }

  private static <T extends HasMetadata> Watcher<T> added(BlockingQueue<String> names) {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, T resource) {
        if (action == Action.ADDED) {
          names.add(resource.getMetadata().getName());
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    };
  }

}
