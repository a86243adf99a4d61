package dev.lifeboat.bench.chaos;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.lifeboat.cli.DemoWorkloads;
import dev.lifeboat.embedded.EmbeddedStack;
import dev.lifeboat.embedded.Endpoints;
import dev.lifeboat.embedded.LocalKubernetes;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chaos run's stack process: the embedded stack (Kafka, registry, two S3 servers, etcd, the local
 * Kubernetes API) with the demo's applications changing and their volumes being written, and a control
 * server on loopback through which the run injects faults ({@code POST /fault/NAME}) and reads this
 * process's metrics ({@code GET /metrics}). Writes {@code endpoints.json} for the worker processes and
 * stops when its parent does (its standard input closes).
 *
 * <p>Faults: {@code offsite-stop}, {@code offsite-start}, {@code broker-stop}, {@code broker-start},
 * {@code etcd-stop}, {@code etcd-start}, {@code api-outage-begin}, {@code api-outage-end},
 * {@code api-expire-watches}.
 */
public final class ChaosStack {
  private static final Logger log = LoggerFactory.getLogger(ChaosStack.class);

  private ChaosStack() {}

  public static void main(String[] args) throws Exception {
    Path dataDir = Path.of(args[0]);
    long churnMillis = args.length > 1 ? Long.parseLong(args[1]) : 2000;
    EmbeddedStack stack = EmbeddedStack.start(EmbeddedStack.Options.ephemeral(dataDir));
    LocalKubernetes kubernetes = stack.kubernetes().orElseThrow();
    DemoWorkloads workloads = new DemoWorkloads(kubernetes.adminClient(), dataDir.resolve("volumes"));
    workloads.seed();
    ScheduledExecutorService churn = workloads.churnEvery(Duration.ofMillis(churnMillis));

    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(meters);
    Map<String, Runnable> faults = Map.of(
        "offsite-stop", stack::stopOffsite, "offsite-start", stack::startOffsite,
        "broker-stop", stack::stopBroker, "broker-start", stack::startBroker,
        "etcd-stop", stack::stopEtcd, "etcd-start", stack::startEtcd,
        "api-outage-begin", kubernetes::beginOutage, "api-outage-end", kubernetes::endOutage,
        "api-expire-watches", kubernetes::expireWatches);
    HttpServer control = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    control.createContext("/metrics", exchange -> reply(exchange, 200, meters.scrape()));
    control.createContext("/fault/", exchange -> {
      String name = exchange.getRequestURI().getPath().substring("/fault/".length());
      Runnable fault = faults.get(name);
      if (fault == null) {
        reply(exchange, 404, "no fault " + name + "; known: " + faults.keySet());
        return;
      }
      try {
        fault.run();
        log.info("Fault {} done", name);
        reply(exchange, 200, "done");
      } catch (RuntimeException e) {
        log.warn("Fault {} failed", name, e);
        reply(exchange, 500, e.toString());
      }
    });
    control.setExecutor(Executors.newSingleThreadExecutor());
    control.start();
    String url = "http://127.0.0.1:" + control.getAddress().getPort();
    Endpoints endpoints = stack.endpoints().withStatusUrl(url);
    endpoints.write(dataDir.resolve("endpoints.json"));
    System.out.println("Chaos stack up; status on " + url + "; data in " + dataDir);
    System.out.flush();

    // stop with the parent: it holds our standard input
    while (System.in.read() >= 0) {
      // nothing to read; the parent never writes
    }
    churn.shutdownNow();
    control.stop(0);
    stack.close();
    System.exit(0);
  }

  private static void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
