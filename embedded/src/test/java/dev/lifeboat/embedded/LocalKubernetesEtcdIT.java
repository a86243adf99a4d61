package dev.lifeboat.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local API keeps its cluster in etcd, as a real API server does, so that an etcd snapshot is
 * a backup of the cluster: restored into a new data directory, it serves every object again.
 */
class LocalKubernetesEtcdIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String GROUP = "example.lifeboat.dev";

  @TempDir Path dir;

  @Test
  void everyObjectIsKeptUnderRegistryWithItsModRevisionAsItsResourceVersion() throws Exception {
    Path etcdctl = Tools.etcdctl();
    try (EmbeddedEtcd etcd = EmbeddedEtcd.start(dir.resolve("etcd"), 0);
        LocalKubernetes kubernetes = LocalKubernetes.start(0, etcd.endpoints())) {
      ConfigMap created = kubernetes.client().resource(configMap("default", "settings")).create();

      JsonNode stored = JSON.readTree(run(etcdctl, etcd, "get", "/registry/configmaps/default/settings", "-w", "json"));
      JsonNode kv = stored.path("kvs").get(0);
      assertThat(kv.path("mod_revision").asText()).isEqualTo(created.getMetadata().getResourceVersion());
      JsonNode value = JSON.readTree(java.util.Base64.getDecoder().decode(kv.path("value").asText()));
      assertThat(value.at("/data/retention").asText()).isEqualTo("7d");
      assertThat(value.at("/metadata/uid").asText()).isEqualTo(created.getMetadata().getUid());
      assertThat(run(etcdctl, etcd, "get", "--prefix", "/registry/namespaces/", "--keys-only"))
          .contains("/registry/namespaces/default").contains("/registry/namespaces/kube-system");
    }
  }

  @Test
  void anApiStartedOnARestoredSnapshotServesEveryObjectAgain() throws Exception {
    Path etcdctl = Tools.etcdctl();
    Path snapshot = dir.resolve("snapshot.db");
    Map<String, String> before;
    try (EmbeddedEtcd etcd = EmbeddedEtcd.start(dir.resolve("etcd"), 0);
        LocalKubernetes kubernetes = LocalKubernetes.start(0, etcd.endpoints())) {
      KubernetesClient client = kubernetes.client();
      client.resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build()).create();
      client.resource(configMap("shop", "settings")).create();
      client.resource(new SecretBuilder().withNewMetadata().withName("creds").withNamespace("shop").endMetadata()
          .withStringData(Map.of("password", "hunter2")).build()).create();
      client.resource(new DeploymentBuilder().withNewMetadata().withName("web").withNamespace("shop").endMetadata()
          .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "web").endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
          .withNewSpec().addNewContainer().withName("web").withImage("nginx:1.25").endContainer().endSpec()
          .endTemplate().endSpec().build()).create();
      client.resource(new CustomResourceDefinitionBuilder().withNewMetadata().withName("widgets." + GROUP).endMetadata()
          .withNewSpec().withGroup(GROUP).withScope("Namespaced")
          .withNewNames().withPlural("widgets").withSingular("widget").withKind("Widget").endNames()
          .addNewVersion().withName("v1").withServed(true).withStorage(true)
          .withNewSchema().withNewOpenAPIV3Schema().withType("object").withXKubernetesPreserveUnknownFields(true)
          .endOpenAPIV3Schema().endSchema().endVersion().endSpec().build()).create();
      client.genericKubernetesResources(GROUP + "/v1", "Widget").inNamespace("shop").resource(widget("gear")).create();
      before = everything(client);

      run(etcdctl, etcd, "snapshot", "save", snapshot.toString());
    }
    Path restored = dir.resolve("restored");
    runLocal(etcdctl, "snapshot", "restore", snapshot.toString(), "--data-dir", restored.resolve("data").toString(),
        "--name", "restored", "--initial-cluster", "restored=http://127.0.0.1:2390",
        "--initial-advertise-peer-urls", "http://127.0.0.1:2390");

    try (EmbeddedEtcd etcd = EmbeddedEtcd.start(restored, 0);
        LocalKubernetes kubernetes = LocalKubernetes.start(0, etcd.endpoints())) {
      Map<String, String> after = everything(kubernetes.client());

      assertThat(after).isEqualTo(before);
      assertThat(before).containsKeys("ConfigMap shop/settings", "Secret shop/creds", "Deployment shop/web",
          "Widget shop/gear", "Namespace /shop");
      assertThat(kubernetes.client().secrets().inNamespace("shop").withName("creds").get().getData())
          .containsEntry("password", java.util.Base64.getEncoder().encodeToString("hunter2".getBytes(StandardCharsets.UTF_8)));
    }
  }

  /** Every object the test made, by kind and name, with its uid, resourceVersion and content. */
  private static Map<String, String> everything(KubernetesClient client) {
    List<HasMetadata> all = new ArrayList<>();
    all.addAll(client.namespaces().list().getItems());
    all.addAll(client.configMaps().inAnyNamespace().list().getItems());
    all.addAll(client.secrets().inAnyNamespace().list().getItems());
    all.addAll(client.apps().deployments().inAnyNamespace().list().getItems());
    all.addAll(client.apiextensions().v1().customResourceDefinitions().list().getItems());
    all.addAll(client.genericKubernetesResources(GROUP + "/v1", "Widget").inAnyNamespace().list().getItems());
    Map<String, String> byName = new TreeMap<>();
    for (HasMetadata object : all) {
      String namespace = object.getMetadata().getNamespace() == null ? "" : object.getMetadata().getNamespace();
      byName.put(object.getKind() + " " + namespace + "/" + object.getMetadata().getName(),
          client.getKubernetesSerialization().asJson(object));
    }
    return byName;
  }

  private static ConfigMap configMap(String namespace, String name) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata().withData(Map.of("retention", "7d")).build();
  }

  private static GenericKubernetesResource widget(String name) {
    return new GenericKubernetesResourceBuilder().withApiVersion(GROUP + "/v1").withKind("Widget")
        .withNewMetadata().withName(name).withNamespace("shop").endMetadata()
        .withAdditionalProperties(Map.of("spec", Map.of("size", "small"))).build();
  }

  private static String run(Path etcdctl, EmbeddedEtcd etcd, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("--endpoints=" + etcd.endpoints().get(0)));
    command.addAll(List.of(args));
    return runLocal(etcdctl, command.toArray(String[]::new));
  }

  private static String runLocal(Path etcdctl, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(etcdctl.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("ETCDCTL_API", "3");
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("etcdctl %s: %s", command, output).isZero();
    return output;
  }
}
