package dev.lifeboat.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ConfigMapList;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the local API does as a real API server does, through a fabric8 client. */
class LocalKubernetesSemanticsIT {

  private static final String GROUP = "semantics.lifeboat.dev";
  private static LocalKubernetes kubernetes;
  private static KubernetesClient client;

  @BeforeAll
  static void start() {
    kubernetes = LocalKubernetes.start(0);
    client = kubernetes.client();
  }

  @AfterAll
  static void stop() {
    kubernetes.close();
  }

  @Test
  void contentCannotBeCreatedInANamespaceThatDoesNotExist() {
    assertThatThrownBy(() -> client.resource(configMap("nowhere", "a", Map.of())).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(404);
          assertThat(e.getStatus().getMessage()).isEqualTo("namespaces \"nowhere\" not found");
        });
  }

  @Test
  void anUpdateFromAStaleResourceVersionIsAConflict() {
    namespace("stale");
    ConfigMap first = client.resource(configMap("stale", "a", Map.of("v", "1"))).create();
    client.configMaps().inNamespace("stale").withName("a").edit(cm -> withData(cm, "2"));

    assertThatThrownBy(() -> client.resource(withData(first, "3")).update())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(409);
          assertThat(e.getStatus().getReason()).isEqualTo("Conflict");
        });
    assertThat(client.configMaps().inNamespace("stale").withName("a").get().getData()).containsEntry("v", "2");
  }

  @Test
  void aFinalizerHoldsAnObjectAndItsNamespaceUntilItIsRemoved() {
    namespace("held");
    client.resource(new ConfigMapBuilder(configMap("held", "kept", Map.of()))
        .editMetadata().withFinalizers("example.com/keep").endMetadata().build()).create();
    client.resource(configMap("held", "free", Map.of())).create();

    client.namespaces().withName("held").delete();

    ConfigMap kept = client.configMaps().inNamespace("held").withName("kept").get();
    assertThat(kept.getMetadata().getDeletionTimestamp()).isNotNull();
    assertThat(client.configMaps().inNamespace("held").withName("free").get()).isNull();
    assertThat(client.namespaces().withName("held").get().getStatus().getPhase()).isEqualTo("Terminating");
    assertThatThrownBy(() -> client.resource(configMap("held", "late", Map.of())).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));

    client.configMaps().inNamespace("held").withName("kept")
        .edit(cm -> new ConfigMapBuilder(cm).editMetadata().withFinalizers(List.of()).endMetadata().build());

    assertThat(client.configMaps().inNamespace("held").withName("kept").get()).isNull();
    assertThat(client.namespaces().withName("held").get()).isNull();
  }

  @Test
  void deletingADefinitionDeletesItsCustomResources() {
    namespace("defs");
    client.resource(new CustomResourceDefinitionBuilder().withNewMetadata().withName("gizmos." + GROUP).endMetadata()
        .withNewSpec().withGroup(GROUP).withScope("Namespaced")
        .withNewNames().withPlural("gizmos").withKind("Gizmo").endNames()
        .addNewVersion().withName("v1").withServed(true).withStorage(true).endVersion().endSpec().build()).create();
    client.genericKubernetesResources(GROUP + "/v1", "Gizmo").inNamespace("defs")
        .resource(new GenericKubernetesResourceBuilder().withApiVersion(GROUP + "/v1").withKind("Gizmo")
            .withNewMetadata().withName("g").withNamespace("defs").endMetadata().build()).create();

    client.apiextensions().v1().customResourceDefinitions().withName("gizmos." + GROUP).delete();
    client.resource(new CustomResourceDefinitionBuilder().withNewMetadata().withName("gizmos." + GROUP).endMetadata()
        .withNewSpec().withGroup(GROUP).withScope("Namespaced")
        .withNewNames().withPlural("gizmos").withKind("Gizmo").endNames()
        .addNewVersion().withName("v1").withServed(true).withStorage(true).endVersion().endSpec().build()).create();

    assertThat(client.genericKubernetesResources(GROUP + "/v1", "Gizmo").inNamespace("defs").list().getItems()).isEmpty();
  }

  @Test
  void aListPagesThroughEveryObjectWithLimitAndContinue() {
    namespace("paged");
    for (int i = 0; i < 7; i++) {
      client.resource(configMap("paged", "cm-" + i, Map.of())).create();
    }
    List<String> names = new ArrayList<>();
    String next = null;
    int pages = 0;
    do {
      ConfigMapList page = client.configMaps().inNamespace("paged").list(
          new io.fabric8.kubernetes.api.model.ListOptionsBuilder().withLimit(3L).withContinue(next).build());
      page.getItems().forEach(cm -> names.add(cm.getMetadata().getName()));
      next = page.getMetadata().getContinue();
      pages++;
    } while (next != null && !next.isEmpty());

    assertThat(pages).isEqualTo(3);
    assertThat(names).containsExactly("cm-0", "cm-1", "cm-2", "cm-3", "cm-4", "cm-5", "cm-6");
  }

  @Test
  void aWatchWithALabelSelectorSeesAnObjectLeaveItAsDeleted() throws Exception {
    namespace("labelled");
    client.resource(new ConfigMapBuilder(configMap("labelled", "a", Map.of()))
        .editMetadata().addToLabels("tier", "web").endMetadata().build()).create();
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    Watch watch = client.configMaps().inNamespace("labelled").withLabel("tier", "web").watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, ConfigMap resource) {
        events.add(action + " " + resource.getMetadata().getName());
      }

      @Override
      public void onClose(WatcherException cause) {}
    });
    try {
      assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("ADDED a");
      client.configMaps().inNamespace("labelled").withName("a")
          .edit(cm -> new ConfigMapBuilder(cm).editMetadata().addToLabels("tier", "db").endMetadata().build());
      assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("DELETED a");
    } finally {
      watch.close();
    }
  }

  @Test
  void aWatchThatAllowsBookmarksGetsThemAfterTheChangesTheyCover() throws Exception {
    namespace("bookmarked");
    kubernetes.bookmarkEvery(java.time.Duration.ofMillis(200));
    String from = client.configMaps().inNamespace("bookmarked").list().getMetadata().getResourceVersion();
    BlockingQueue<String[]> events = new LinkedBlockingQueue<>();
    Watch watch = client.configMaps().inNamespace("bookmarked").watch(
        new io.fabric8.kubernetes.api.model.ListOptionsBuilder().withResourceVersion(from).withAllowWatchBookmarks(true).build(),
        new Watcher<>() {
          @Override
          public void eventReceived(Action action, ConfigMap resource) {
            events.add(new String[] {action.name(), resource.getMetadata().getResourceVersion()});
          }

          @Override
          public void onClose(WatcherException cause) {}
        });
    try {
      ConfigMap created = client.resource(configMap("bookmarked", "a", Map.of())).create();
      long createdAt = Long.parseLong(created.getMetadata().getResourceVersion());
      String[] event = events.poll(10, TimeUnit.SECONDS);
      while (event != null && event[0].equals("BOOKMARK")) {
        assertThat(Long.parseLong(event[1])).as("a bookmark before the change it precedes").isLessThan(createdAt);
        event = events.poll(10, TimeUnit.SECONDS);
      }
      assertThat(event).containsExactly("ADDED", Long.toString(createdAt));
      String[] bookmark = events.poll(10, TimeUnit.SECONDS);
      assertThat(bookmark).isNotNull();
      assertThat(bookmark[0]).isEqualTo("BOOKMARK");
      assertThat(Long.parseLong(bookmark[1])).isGreaterThanOrEqualTo(createdAt);
    } finally {
      watch.close();
      kubernetes.bookmarkEvery(java.time.Duration.ofMinutes(1));
    }
  }

  private static void namespace(String name) {
    client.resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
  }

  private static ConfigMap configMap(String namespace, String name, Map<String, String> data) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
        .withData(data).build();
  }

  private static ConfigMap withData(ConfigMap configMap, String value) {
    return new ConfigMapBuilder(configMap).withData(Map.of("v", value)).build();
  }
}
