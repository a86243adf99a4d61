package dev.lifeboat.observe;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's status over HTTP: {@code /} a page a person reads at a glance, {@code /status} the
 * same as JSON, {@code /health} 200 or 503 for probes, {@code /metrics} for Prometheus.
 *
 * <p>Kubernetes probes: {@code /health/ready} is {@code /health} (503 while a component is DOWN: a
 * new version whose workers cannot start holds its rollout back), and {@code /health/live} answers 200
 * as long as the process serves requests. A broker, store or API away makes a component DOWN, and
 * restarting the process would not bring it back, so liveness does not depend on them.
 */
public final class StatusServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StatusServer.class);
  private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();

  private final HttpServer server;
  private final Health health;
  private final PrometheusMeterRegistry meters;
  private final Supplier<Map<String, Object>> facts;

  private StatusServer(HttpServer server, Health health, PrometheusMeterRegistry meters, Supplier<Map<String, Object>> facts) {
    this.server = server;
    this.health = health;
    this.meters = meters;
    this.facts = facts;
  }

  /**
   * @param facts extra lines for the status page (endpoints, versions), read on every request
   */
  public static StatusServer start(String host, int port, Health health, PrometheusMeterRegistry meters,
      Supplier<Map<String, Object>> facts) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
    StatusServer status = new StatusServer(server, health, meters, facts);
    server.createContext("/", status::handle);
    server.setExecutor(Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "lifeboat-status");
      t.setDaemon(true);
      return t;
    }));
    server.start();
    log.info("Status on {}", status.url());
    return status;
  }

  public String url() {
    return "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      switch (path) {
        case "/health/live" -> respond(exchange, 200, "application/json",
            JSON.writeValueAsBytes(Map.of("status", "ALIVE")));
        case "/health", "/health/ready" -> {
          Health.State state = health.overall();
          respond(exchange, state == Health.State.DOWN ? 503 : 200, "application/json", JSON.writeValueAsBytes(
              Map.of("status", state.name(), "components", health.components())));
        }
        case "/status" -> respond(exchange, 200, "application/json", JSON.writeValueAsBytes(statusDocument()));
        case "/metrics" -> respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
            meters.scrape().getBytes(StandardCharsets.UTF_8));
        case "/" -> respond(exchange, 200, "text/plain; charset=utf-8", text().getBytes(StandardCharsets.UTF_8));
        default -> respond(exchange, 404, "text/plain", ("no such page: " + path + "\n").getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  private Map<String, Object> statusDocument() {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("status", health.overall().name());
    doc.put("components", health.components());
    doc.putAll(facts.get());
    return doc;
  }

  private String text() {
    StringBuilder out = new StringBuilder();
    out.append("Lifeboat: ").append(health.overall()).append("\n\n");
    health.components().forEach((name, s) -> out.append(String.format("  %-9s %-32s since %s  %s%n",
        s.state(), name, s.since(), s.detail() == null ? "" : s.detail())));
    Map<String, Object> extra = facts.get();
    if (!extra.isEmpty()) {
      out.append('\n');
      extra.forEach((k, v) -> out.append(String.format("  %-20s %s%n", k, v)));
    }
    out.append("\n/status (JSON)  /health  /metrics (Prometheus)\n");
    return out.toString();
  }

  private static void respond(HttpExchange exchange, int code, String type, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(code, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }


  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
