package dev.lifeboat.cli;

import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.embedded.EmbeddedStack;
import dev.lifeboat.embedded.Endpoints;
import dev.lifeboat.embedded.Ports;
import dev.lifeboat.events.v1.AuditOutcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lifeboat on its embedded default: the real stack on loopback, topics and schemas prepared, the
 * local cluster seeded with applications and a gentle churn, and every installed worker protecting
 * it, through the same {@link LifeboatProcess} that {@code lifeboat run} uses.
 */
final class Demo implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Demo.class);
  static final String CLUSTER = "demo";

  private final EmbeddedStack stack;
  private final LifeboatProcess process;
  private final ScheduledExecutorService churn;
  private final Endpoints endpoints;
  private final Path endpointsFile;

  private Demo(EmbeddedStack stack, LifeboatProcess process, ScheduledExecutorService churn, Endpoints endpoints, Path endpointsFile) {
    this.stack = stack;
    this.process = process;
    this.churn = churn;
    this.endpoints = endpoints;
    this.endpointsFile = endpointsFile;
  }

  /**
   * @param anyPorts free ports everywhere instead of the well-known ones (tests, or a second demo)
   * @param churnEvery time between two changes in the local cluster; zero: no churn
   */
  static Demo start(Path dataDir, boolean anyPorts, Duration churnEvery) {
    EmbeddedStack.Options options = anyPorts ? EmbeddedStack.Options.ephemeral(dataDir) : EmbeddedStack.Options.demo(dataDir);
    EmbeddedStack stack = EmbeddedStack.start(options);
    LifeboatProcess process = null;
    ScheduledExecutorService churn = null;
    try {
      // restored claims of the demo's cluster get new volumes under DIR/provisioned (storage class lifeboat-local),
      // filled through data-mover pods that the local API runs with the lifeboat command itself
      LocalMoverPods.serve(stack.kubernetes().orElseThrow().provisionVolumes(dataDir.resolve("provisioned")));
      int statusPort = Ports.preferredOrFree("status", anyPorts ? 0 : 8080);
      process = new LifeboatProcess(config(stack, statusPort), "demo").start();
      auditStackStarted(process, stack);
      DemoWorkloads workloads = new DemoWorkloads(stack.kubernetes().orElseThrow().client(), dataDir.resolve("volumes"));
      workloads.seed();
      if (!churnEvery.isZero()) {
        churn = workloads.churnEvery(churnEvery);
      }
      Endpoints endpoints = stack.endpoints().withStatusUrl(process.status().url());
      Path file = dataDir.resolve("endpoints.json");
      endpoints.write(file);
      return new Demo(stack, process, churn, endpoints, file);
    } catch (IOException e) {
      closeQuietly(churn, process, stack);
      throw new UncheckedIOException("cannot write endpoints.json in " + dataDir, e);
    } catch (RuntimeException e) {
      closeQuietly(churn, process, stack);
      throw e;
    }
  }

  /** The demo's configuration: what a lifeboat.yaml for the embedded stack would say. */
  static LifeboatConfig config(EmbeddedStack stack, int statusPort) {
    return DemoConfig.of(stack.endpoints(), stack.dataDir(), statusPort);
  }

  private static void auditStackStarted(LifeboatProcess process, EmbeddedStack stack) {
    Endpoints e = stack.endpoints();
    var audit = process.runtime().audit();
    audit.component(AuditActions.START, "kafka", AuditOutcome.INFO).detail("bootstrapServers", e.kafkaBootstrapServers())
        .detail("startupMillis", stack.startupTime().toMillis()).publish();
    audit.component(AuditActions.START, "schema-registry", AuditOutcome.INFO).detail("url", e.schemaRegistryUrl()).publish();
    for (Endpoints.Store s : e.stores()) {
      audit.component(AuditActions.START, "s3:" + s.name(), AuditOutcome.INFO).detail("endpoint", s.endpoint()).detail("bucket", s.bucket()).publish();
    }
    if (!e.etcdEndpoints().isEmpty()) {
      audit.component(AuditActions.START, "etcd", AuditOutcome.INFO).detail("endpoints", e.etcdEndpoints()).publish();
    }
    audit.component(AuditActions.START, "kubernetes", AuditOutcome.INFO).detail("url", e.kubernetesApiUrl()).publish();
  }

  Endpoints endpoints() {
    return endpoints;
  }

  Path endpointsFile() {
    return endpointsFile;
  }

  LifeboatProcess process() {
    return process;
  }

  EmbeddedStack stack() {
    return stack;
  }

  @Override
  public void close() {
    if (churn != null) {
      churn.shutdownNow();
    }
    try {
      var audit = process.runtime() == null ? null : process.runtime().audit();
      if (audit != null) {
        for (String component : List.of("kubernetes", "etcd", "s3:offsite", "s3:primary", "schema-registry", "kafka")) {
          audit.component(AuditActions.STOP, component, AuditOutcome.INFO).publish();
        }
      }
    } catch (RuntimeException e) {
      log.warn("Could not audit the stack's stop: {}", e.toString());
    }
    closeQuietly(null, process, stack);
  }

  private static void closeQuietly(ScheduledExecutorService churn, AutoCloseable... closeables) {
    if (churn != null) {
      churn.shutdownNow();
    }
    for (AutoCloseable c : closeables) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          log.warn("Stopping {} failed: {}", c.getClass().getSimpleName(), e.toString());
        }
      }
    }
  }
}
