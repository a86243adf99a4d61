package dev.lifeboat.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lifeboat's watcher must not miss a change when its watches break. These tests check that
 * {@link LocalKubernetes} breaks them as a real API server does, and that a fabric8 informer,
 * which the watcher is built on, recovers from each fault with every change.
 */
class LocalKubernetesWatchFaultsIT {

  private static final Logger log = LoggerFactory.getLogger(LocalKubernetesWatchFaultsIT.class);
  private static final Duration CATCH_UP = Duration.ofSeconds(30);

  private static LocalKubernetes kubernetes;
  private static KubernetesClient client;
  private static KubernetesClient admin;

  @BeforeAll
  static void start() {
    kubernetes = LocalKubernetes.start(0);
    client = kubernetes.client();
    admin = kubernetes.adminClient();
  }

  @AfterAll
  static void stop() {
    kubernetes.close();
  }

  @Test
  void anInformerLockedOutByAnOutageCatchesUpWithEveryChangeMadeMeanwhile() throws Exception {
    String namespace = namespace("outage");
    admin.resource(configMap(namespace, "a", "1")).create();
    admin.resource(configMap(namespace, "b", "1")).create();
    Recorder events = new Recorder(namespace);
    SharedIndexInformer<ConfigMap> informer = client.configMaps().inAnyNamespace().inform(events);
    try {
      await().atMost(CATCH_UP).until(() -> cached(informer, namespace).size() == 2);
      int before = events.size();

      kubernetes.beginOutage();
      try {
        await().atMost(CATCH_UP).until(() -> !informer.isWatching());
        admin.configMaps().inNamespace(namespace).withName("a").edit(cm -> data(cm, "2"));
        admin.configMaps().inNamespace(namespace).withName("b").delete();
        admin.resource(configMap(namespace, "c", "1")).create();
        assertThat(admin.getApiGroups().getGroups()).isNotEmpty();

        try (KubernetesClient once = withoutRetries(client)) {
          assertThatThrownBy(() -> once.configMaps().inNamespace(namespace).list())
              .isInstanceOfSatisfying(
                  KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(503));
        }
        JsonNode status = statusOf(get("/api/v1/namespaces/" + namespace + "/configmaps"), 503);
        assertThat(status.path("reason").asText()).isEqualTo("ServiceUnavailable");
        assertThat(status.path("code").asInt()).isEqualTo(503);
      } finally {
        kubernetes.endOutage();
      }
      long ended = System.nanoTime();

      await().atMost(CATCH_UP).until(() -> cached(informer, namespace).equals(stored(namespace)));
      log.info(
          "Informer caught up {} ms after the outage ended",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ended));

      assertThat(cached(informer, namespace)).isEqualTo(Map.of("a", "2", "c", "1"));
      await()
          .atMost(CATCH_UP)
          .untilAsserted(
              () ->
                  assertThat(events.since(before))
                      .contains("UPDATE a 2", "ADD c 1")
                      .anyMatch(e -> e.startsWith("DELETE b")));
    } finally {
      informer.close();
    }
  }

  @Test
  void expiredWatchesMakeAnInformerListAgainWithoutLosingChanges() {
    String namespace = namespace("expiry");
    admin.resource(configMap(namespace, "x", "1")).create();
    admin.resource(configMap(namespace, "z", "1")).create();
    Recorder events = new Recorder(namespace);
    SharedIndexInformer<ConfigMap> informer = client.configMaps().inAnyNamespace().inform(events);
    try {
      await().atMost(CATCH_UP).until(() -> cached(informer, namespace).size() == 2);
      int before = events.size();

      kubernetes.expireWatches();
      client.configMaps().inNamespace(namespace).withName("x").edit(cm -> data(cm, "2"));
      client.resource(configMap(namespace, "y", "1")).create();
      client.configMaps().inNamespace(namespace).withName("z").delete();

      await().atMost(CATCH_UP).until(() -> cached(informer, namespace).equals(stored(namespace)));
      assertThat(cached(informer, namespace)).isEqualTo(Map.of("x", "2", "y", "1"));
      await()
          .atMost(CATCH_UP)
          .untilAsserted(
              () ->
                  assertThat(events.since(before))
                      .contains("UPDATE x 2", "ADD y 1")
                      .anyMatch(e -> e.startsWith("DELETE z")));
    } finally {
      informer.close();
    }
  }

  @Test
  void aWatchIsEndedWith410ExpiredLikeARealServerDoes() throws Exception {
    String namespace = namespace("gone");
    admin.resource(configMap(namespace, "m", "1")).create();
    Watching watching = new Watching();
    int open = kubernetes.openWatches();
    Watch watch = client.configMaps().inNamespace(namespace).watch(watching);
    try {
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> kubernetes.openWatches() > open);
      kubernetes.expireWatches();

      WatcherException cause = watching.closed.get(10, SECONDS);
      assertThat(cause.isHttpGone()).isTrue();
      assertThat(cause.asClientException().getStatus().getReason()).isEqualTo("Expired");
    } finally {
      watch.close();
    }
  }

  @Test
  void afterAnOutageOnlyWatchesFromBeforeItsLastChangeAreExpired() throws Exception {
    String namespace = namespace("resume");
    String before =
        admin.resource(configMap(namespace, "r", "1")).create().getMetadata().getResourceVersion();
    kubernetes.beginOutage();
    admin.configMaps().inNamespace(namespace).withName("r").edit(cm -> data(cm, "2"));
    kubernetes.endOutage();
    String current =
        client.configMaps().inNamespace(namespace).list().getMetadata().getResourceVersion();

    Watching stale = new Watching();
    Watch old = client.configMaps().inNamespace(namespace).withResourceVersion(before).watch(stale);
    try {
      assertThat(stale.closed.get(10, SECONDS).isHttpGone()).isTrue();
    } finally {
      old.close();
    }
    String path = "/api/v1/namespaces/" + namespace + "/configmaps";
    JsonNode event =
        new ObjectMapper().readTree(get(path + "?watch=true&resourceVersion=" + before).body());
    assertThat(event.path("type").asText()).isEqualTo("ERROR");
    assertThat(event.path("object").path("code").asInt()).isEqualTo(410);
    assertThat(event.path("object").path("reason").asText()).isEqualTo("Expired");

    Watching fresh = new Watching();
    Watch now =
        client.configMaps().inNamespace(namespace).withResourceVersion(current).watch(fresh);
    try {
      admin.resource(configMap(namespace, "s", "1")).create();
      // As from a real API server: the changes after the resourceVersion, not the objects before it.
      assertThat(fresh.added.poll(10, SECONDS)).isEqualTo("s");
      admin.resource(configMap(namespace, "t", "1")).create();
      assertThat(fresh.added.poll(10, SECONDS)).isEqualTo("t");
      assertThat(fresh.closed).isNotDone();
    } finally {
      now.close();
    }
  }

  private static String namespace(String name) {
    admin
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    return name;
  }

  private static ConfigMap configMap(String namespace, String name, String value) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .endMetadata()
        .withData(Map.of("value", value))
        .build();
  }

  private static ConfigMap data(ConfigMap configMap, String value) {
    return new ConfigMapBuilder(configMap).withData(Map.of("value", value)).build();
  }

  /** Name to value of the ConfigMaps of a namespace in the informer's cache. */
  private static Map<String, String> cached(SharedIndexInformer<ConfigMap> informer, String ns) {
    return values(informer.getStore().list().stream()
        .filter(cm -> ns.equals(cm.getMetadata().getNamespace()))
        .collect(Collectors.toList()));
  }

  /** Name to value of the ConfigMaps of a namespace on the server. */
  private static Map<String, String> stored(String namespace) {
    return values(admin.configMaps().inNamespace(namespace).list().getItems());
  }

  private static Map<String, String> values(List<ConfigMap> configMaps) {
    Map<String, String> values = new TreeMap<>();
    configMaps.forEach(cm -> values.put(cm.getMetadata().getName(), cm.getData().get("value")));
    return values;
  }

  /**
   * The same client, but failing at the first 503: by default fabric8 retries a request ten times
   * over about 19 seconds before it gives up.
   */
  private static KubernetesClient withoutRetries(KubernetesClient client) {
    return new KubernetesClientBuilder()
        .withConfig(
            new ConfigBuilder(client.getConfiguration()).withRequestRetryBackoffLimit(0).build())
        .build();
  }

  private static HttpResponse<String> get(String path) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(kubernetes.url() + path))
            .timeout(Duration.ofSeconds(10))
            .build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode statusOf(HttpResponse<String> response, int code) throws Exception {
    assertThat(response.statusCode()).isEqualTo(code);
    JsonNode status = new ObjectMapper().readTree(response.body());
    assertThat(status.path("kind").asText()).isEqualTo("Status");
    return status;
  }

  /** A watch's ADDED names, in order, and the error it closed with, if it did. */
  private static final class Watching implements Watcher<ConfigMap> {
    final BlockingQueue<String> added = new LinkedBlockingQueue<>();
    final CompletableFuture<WatcherException> closed = new CompletableFuture<>();

    @Override
    public void eventReceived(Action action, ConfigMap resource) {
      if (action == Action.ADDED) {
        added.add(resource.getMetadata().getName());
      }
    }

    @Override
    public void onClose(WatcherException cause) {
      closed.complete(cause);
    }
  }

  /** What an informer's handler was told about one namespace, as "ADD|UPDATE|DELETE name value". */
  private static final class Recorder implements ResourceEventHandler<ConfigMap> {
    private final String namespace;
    private final List<String> events = new CopyOnWriteArrayList<>();

    Recorder(String namespace) {
      this.namespace = namespace;
    }

    int size() {
      return events.size();
    }

    List<String> since(int index) {
      return List.copyOf(events.subList(index, events.size()));
    }

    @Override
    public void onAdd(ConfigMap cm) {
      record("ADD", cm, "");
    }

    @Override
    public void onUpdate(ConfigMap old, ConfigMap cm) {
      record("UPDATE", cm, "");
    }

    @Override
    public void onDelete(ConfigMap cm, boolean deletedFinalStateUnknown) {
      record("DELETE", cm, deletedFinalStateUnknown ? " (final state unknown)" : "");
    }

    private void record(String type, ConfigMap cm, String note) {
      if (namespace.equals(cm.getMetadata().getNamespace())) {
        String name = cm.getMetadata().getName();
        events.add(type + " " + name + " " + cm.getData().get("value") + note);
      }
    }
  }
}
