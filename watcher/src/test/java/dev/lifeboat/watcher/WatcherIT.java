package dev.lifeboat.watcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeboat.crypto.FieldSealer;
import dev.lifeboat.crypto.KeyRing;
import dev.lifeboat.events.v1.ChangeType;
import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.kube.ContentHash;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

@LifeboatIntegrationTest
class WatcherIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TestStack stack;
  private final WatcherFixture fx;

  WatcherIT(TestStack stack) {
    this.stack = stack;
    this.fx = new WatcherFixture(stack);
  }

  @Test
  void publishesEveryChangeOfBuiltInAndCustomKindsOnceInOrderAndNothingForNoOpUpdates() throws Exception {
    String group = "w" + UUID.randomUUID().toString().substring(0, 6) + ".it.lifeboat.dev";
    fx.kube().apiextensions().v1().customResourceDefinitions().resource(new CustomResourceDefinitionBuilder()
        .withNewMetadata().withName("widgets." + group).endMetadata().withNewSpec().withGroup(group).withScope("Namespaced")
        .withNewNames().withKind("Widget").withPlural("widgets").withSingular("widget").endNames()
        .addNewVersion().withName("v1").withServed(true).withStorage(true).endVersion().endSpec().build()).create();
    ResourceDefinitionContext widgets = new ResourceDefinitionContext.Builder().withGroup(group).withVersion("v1")
        .withKind("Widget").withPlural("widgets").withNamespaced(true).build();

    try (Watcher watcher = fx.start()) {
      assertThat(watcher.resources().kinds()).extracting(WatchedKind::groupKind)
          .contains("ConfigMap", "Deployment.apps", "Widget." + group)
          .doesNotContain("Event", "Lease.coordination.k8s.io", "Endpoints", "EndpointSlice.discovery.k8s.io");

      var configMaps = fx.kube().configMaps().inNamespace(fx.namespace);
      configMaps.resource(new ConfigMapBuilder().withNewMetadata().withName("settings").endMetadata()
          .addToData("level", "info").build()).create();
      configMaps.withName("settings").edit(cm -> new ConfigMapBuilder(cm).addToData("level", "debug").build());
      // bookkeeping only (managed fields): the resourceVersion moves, what a restore needs does not
      configMaps.withName("settings").edit(cm -> new ConfigMapBuilder(cm).editMetadata().addNewManagedField()
          .withManager("kubectl").withOperation("Update").withApiVersion("v1").endManagedField().endMetadata().build());
      var deployments = fx.kube().apps().deployments().inNamespace(fx.namespace);
      deployments.resource(new DeploymentBuilder().withNewMetadata().withName("web").endMetadata().withNewSpec().withReplicas(2)
          .withNewSelector().addToMatchLabels("app", "web").endSelector().withNewTemplate().withNewMetadata()
          .addToLabels("app", "web").endMetadata().withNewSpec().addNewContainer().withName("web").withImage("nginx")
          .endContainer().endSpec().endTemplate().endSpec().build()).create();
      deployments.withName("web").edit(d -> new DeploymentBuilder(d).withNewStatus().withReadyReplicas(2).endStatus().build());
      var widgetClient = fx.kube().genericKubernetesResources(widgets).inNamespace(fx.namespace);
      widgetClient.resource(new GenericKubernetesResourceBuilder().withApiVersion(group + "/v1").withKind("Widget")
          .withNewMetadata().withName("w1").endMetadata().addToAdditionalProperties("spec", new HashMap<>(Map.of("size", 1))).build())
          .create();
      widgetClient.withName("w1").edit(w -> {
        w.getAdditionalProperties().put("spec", new HashMap<>(Map.of("size", 2)));
        return w;
      });
      configMaps.withName("settings").delete();

      fx.records(r -> r.size() >= 7);
      List<ResourceChanged> records = fx.settle(watcher, List.of(fx.configMapMarker(),
          name -> deployments.resource(new DeploymentBuilder().withNewMetadata().withName(name).endMetadata().build()).create(),
          name -> widgetClient.resource(new GenericKubernetesResourceBuilder().withApiVersion(group + "/v1").withKind("Widget")
              .withNewMetadata().withName(name).endMetadata().build()).create()));
      // per object, in order (objects on different partitions have no order between them)
      assertThat(WatcherFixture.byObject(records, fx.namespace)).containsExactlyInAnyOrderEntriesOf(Map.of(
          "ConfigMap/" + fx.namespace + "/settings", List.of(ChangeType.ADDED, ChangeType.MODIFIED, ChangeType.DELETED),
          "Deployment/" + fx.namespace + "/web", List.of(ChangeType.ADDED),
          "Widget/" + fx.namespace + "/w1", List.of(ChangeType.ADDED, ChangeType.MODIFIED)));

      ResourceChanged widget = records.stream().filter(r -> r.getName().equals("w1") && r.getType() == ChangeType.MODIFIED)
          .findFirst().orElseThrow();
      JsonNode live = JSON.valueToTree(widgetClient.withName("w1").get());
      assertThat(widget.getContentHash()).isEqualTo(ContentHash.of(live, true));
      assertThat(widget.getGroup()).isEqualTo(group);
      assertThat(widget.getVersion()).isEqualTo("v1");
      JsonNode published = JSON.readTree(widget.getObject().array());
      assertThat(published.path("spec").path("size").asInt()).isEqualTo(2);
      assertThat(published.path("metadata").has("managedFields")).isFalse();
      assertThat(fx.meters.counter("lifeboat.watcher.unchanged").count()).isGreaterThanOrEqualTo(2);
    }
  }

  @Test
  void whenACustomResourceDefinitionGoesItsKindIsNoLongerWatchedAndItsObjectsAreDeleted() throws Exception {
    String group = "g" + UUID.randomUUID().toString().substring(0, 6) + ".it.lifeboat.dev";
    var crds = fx.kube().apiextensions().v1().customResourceDefinitions();
    crds.resource(new CustomResourceDefinitionBuilder().withNewMetadata().withName("gadgets." + group).endMetadata()
        .withNewSpec().withGroup(group).withScope("Namespaced").withNewNames().withKind("Gadget").withPlural("gadgets")
        .withSingular("gadget").endNames().addNewVersion().withName("v1").withServed(true).withStorage(true).endVersion()
        .endSpec().build()).create();
    ResourceDefinitionContext gadgets = new ResourceDefinitionContext.Builder().withGroup(group).withVersion("v1")
        .withKind("Gadget").withPlural("gadgets").withNamespaced(true).build();
    fx.kube().genericKubernetesResources(gadgets).inNamespace(fx.namespace).resource(new GenericKubernetesResourceBuilder()
        .withApiVersion(group + "/v1").withKind("Gadget").withNewMetadata().withName("g1").endMetadata().build()).create();

    try (Watcher watcher = fx.start()) {
      fx.records(r -> r.stream().anyMatch(x -> x.getName().equals("g1")));
      crds.withName("gadgets." + group).delete();

      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
          watcher.resources().kinds().stream().noneMatch(k -> k.group().equals(group)));
      List<ResourceChanged> records = fx.records(r -> r.stream().anyMatch(x -> x.getName().equals("g1") && x.getType() == ChangeType.DELETED));
      assertThat(WatcherFixture.byObject(records, fx.namespace).get("Gadget/" + fx.namespace + "/g1"))
          .containsExactly(ChangeType.ADDED, ChangeType.DELETED);
    }
  }

  @Test
  void secretPlaintextNeverReachesTheTopicAndTheSealedPayloadOpensWithTheKey() throws Exception {
    String plaintext = "hunter2-" + UUID.randomUUID();
    String encoded = Base64.getEncoder().encodeToString(plaintext.getBytes(StandardCharsets.UTF_8));
    try (Watcher watcher = fx.start()) {
      fx.kube().secrets().inNamespace(fx.namespace).resource(new SecretBuilder().withNewMetadata().withName("db")
          .addToAnnotations("kubectl.kubernetes.io/last-applied-configuration",
              "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"stringData\":{\"password\":\"" + plaintext + "\"}}")
          .endMetadata().addToData("password", encoded).addToStringData("token", plaintext).build()).create();

      ResourceChanged record = fx.records(r -> r.stream().anyMatch(x -> x.getName().equals("db"))).stream()
          .filter(x -> x.getName().equals("db")).findFirst().orElseThrow();
      watcher.flush();

      List<ConsumerRecord<byte[], byte[]>> raw = stack.readRaw(Topics.RESOURCE_CHANGES, Duration.ofSeconds(5), l -> false);
      assertThat(raw).isNotEmpty();
      for (ConsumerRecord<byte[], byte[]> r : raw) {
        String value = new String(r.value(), StandardCharsets.ISO_8859_1);
        assertThat(value).doesNotContain(plaintext).doesNotContain(encoded);
      }
      assertThat(record.getEncryptionKeyId()).isEqualTo("k1");
      assertThat(record.getContentHash()).startsWith("hmac:");
      ObjectNode sealed = (ObjectNode) JSON.readTree(record.getObject().array());
      assertThat(sealed.path("data").asText()).startsWith(FieldSealer.PREFIX);
      ObjectNode open = new FieldSealer(new KeyRing("k1", Map.of("k1", WatcherFixture.KEY)))
          .unseal(sealed, fx.cluster + "/" + fx.namespace + "//Secret/db");
      assertThat(open.path("data").path("password").asText()).isEqualTo(encoded);
      // The API server folds stringData into data, as a real one does: the token is sealed with the rest of data.
      assertThat(open.has("stringData")).isFalse();
      assertThat(open.path("data").path("token").asText()).isEqualTo(encoded);
      assertThat(open.path("metadata").path("annotations").path("kubectl.kubernetes.io/last-applied-configuration").asText())
          .contains(plaintext);
    }
  }

  @Test
  void aRestartedWatcherPublishesOnlyWhatChangedWhileItWasAwayIncludingDeletions() throws Exception {
    var configMaps = fx.kube().configMaps().inNamespace(fx.namespace);
    for (String name : List.of("a", "b", "unchanged")) {
      configMaps.resource(new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata().addToData("v", "1").build()).create();
    }
    try (Watcher first = fx.start()) {
      fx.records(r -> r.size() >= 3);
      first.flush();
    }
    configMaps.withName("a").edit(cm -> new ConfigMapBuilder(cm).addToData("v", "2").build());
    configMaps.withName("b").delete();
    configMaps.resource(new ConfigMapBuilder().withNewMetadata().withName("c").endMetadata().addToData("v", "1").build()).create();

    try (Watcher second = fx.start()) {
      fx.records(r -> r.size() >= 6);
      String prefix = "ConfigMap/" + fx.namespace + "/";
      assertThat(WatcherFixture.byObject(fx.settle(second, List.of(fx.configMapMarker())), fx.namespace))
          .containsExactlyInAnyOrderEntriesOf(Map.of(
          prefix + "a", List.of(ChangeType.ADDED, ChangeType.MODIFIED),
          prefix + "b", List.of(ChangeType.ADDED, ChangeType.DELETED),
          prefix + "c", List.of(ChangeType.ADDED),
          prefix + "unchanged", List.of(ChangeType.ADDED)));
    }
  }

  @Test
  void lifeboatsOwnScratchObjectsAreNotPublished() throws Exception {
    var configMaps = fx.kube().configMaps().inNamespace(fx.namespace);
    try (Watcher watcher = fx.start()) {
      configMaps.resource(new ConfigMapBuilder().withNewMetadata().withName("scratch")
          .addToLabels(dev.lifeboat.kube.LifeboatLabels.SCRATCH, "v-1").endMetadata().addToData("v", "1").build()).create();
      configMaps.resource(new ConfigMapBuilder().withNewMetadata().withName("real").endMetadata().addToData("v", "1").build())
          .create();

      assertThat(WatcherFixture.byObject(fx.settle(watcher, List.of(fx.configMapMarker())), fx.namespace))
          .containsExactlyEntriesOf(Map.of("ConfigMap/" + fx.namespace + "/real", List.of(ChangeType.ADDED)));
    }
  }
}
