package dev.lifeboat.watcher.volume;

import static dev.lifeboat.watcher.volume.VolumeFixtures.claim;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.events.v1.VolumeEventObserved;
import dev.lifeboat.events.v1.VolumeEventType;
import dev.lifeboat.watcher.RecordSink;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The watcher against an API server that forbids some kinds and does not serve others. */
class VolumeWatcherTest {
  private KubernetesMockServer server;
  private KubernetesClient client;
  private final List<Object> published = new CopyOnWriteArrayList<>();
  private final RecordSink sink = (topic, key, value) -> {
    published.add(value);
    return CompletableFuture.completedFuture(null);
  };
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  /** Pods are forbidden, volume attachments not served; everything else is stored. */
  private static final class Restricted extends Dispatcher {
    private final KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher(List.of());

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      String path = request.getPath();
      if (path.startsWith("/api/v1/pods")) {
        return status(403, "Forbidden", "pods is forbidden: User \"system:serviceaccount:lifeboat:watcher\" cannot list"
            + " resource \"pods\" in API group \"\" at the cluster scope");
      }
      if (path.startsWith("/apis/storage.k8s.io/v1/volumeattachments")) {
        return status(404, "NotFound", "the server could not find the requested resource");
      }
      return crud.dispatch(request);
    }

    private static MockResponse status(int code, String reason, String message) {
      return new MockResponse().setResponseCode(code).setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\","
          + "\"status\":\"Failure\",\"message\":\"" + message.replace("\"", "\\\"") + "\",\"reason\":\"" + reason
          + "\",\"code\":" + code + "}");
    }
  }

  @BeforeEach
  void startServer() throws Exception {
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new Restricted(), false);
    server.start(InetAddress.getLoopbackAddress(), 0);
    client = server.createClient();
  }

  @AfterEach
  void stopServer() {
    client.close();
    server.shutdown();
  }

  @Test
  void kindsThatCannotBeWatchedAreReportedAndSkippedWhileTheRestGoesOn() {
    try (VolumeWatcher watcher = new VolumeWatcher(client, sink, new EventFactory("c1", "watcher", Clock.systemUTC()),
        List.of(), meters, Clock.systemUTC())) {
      watcher.start();
      assertThat(watcher.isReady()).isTrue();
      assertThat(meters.counter(VolumeMetrics.ERRORS, "source", "Pod").count()).isEqualTo(1.0);
      assertThat(meters.counter(VolumeMetrics.ERRORS, "source", "VolumeAttachment").count()).isEqualTo(1.0);

      client.persistentVolumeClaims().inNamespace("shop")
          .resource(claim("shop", "data", null, "fast", "1Gi", Map.of())).create();
      await().atMost(Duration.ofSeconds(10)).until(() -> !published.isEmpty());
      assertThat(published).singleElement().extracting(v -> ((VolumeEventObserved) v).getType())
          .isEqualTo(VolumeEventType.CLAIMED);
    }
  }

  @Test
  void forbiddenAndMissingKindsAreToldApartFromPassingFailures() {
    assertThat(VolumeWatcher.unwatchable(new KubernetesClientException("forbidden", 403, null))).isEqualTo(403);
    assertThat(VolumeWatcher.unwatchable(new ExecutionException(new KubernetesClientException("gone", 404, null))))
        .isEqualTo(404);
    assertThat(VolumeWatcher.unwatchable(new KubernetesClientException("unavailable", 503, null))).isZero();
    assertThat(VolumeWatcher.unwatchable(new IOException("connection refused"))).isZero();
  }
}
