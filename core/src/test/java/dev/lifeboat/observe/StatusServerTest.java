package dev.lifeboat.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The probes the manifests in deploy/ use: readiness follows the components, liveness only the process. */
class StatusServerTest {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void aComponentDownMakesTheProcessUnreadyButStillAlive() throws Exception {
    Health health = new Health(Clock.systemUTC());
    health.set("worker:replicator", Health.State.UP, "copying");
    try (StatusServer status = StatusServer.start("127.0.0.1", 0, health, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
        Map::of)) {
      assertThat(get(status, "/health/ready").statusCode()).isEqualTo(200);
      assertThat(get(status, "/health/live").statusCode()).isEqualTo(200);

      health.set("replicator:offsite", Health.State.DOWN, "the off-region store does not answer");
      HttpResponse<String> ready = get(status, "/health/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body()).contains("the off-region store does not answer");
      assertThat(get(status, "/health").statusCode()).isEqualTo(503);
      HttpResponse<String> live = get(status, "/health/live");
      assertThat(live.statusCode()).isEqualTo(200);
      assertThat(live.body()).contains("ALIVE");
    }
  }

  private HttpResponse<String> get(StatusServer status, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(status.url() + path)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
