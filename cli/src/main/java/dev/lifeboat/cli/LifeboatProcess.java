package dev.lifeboat.cli;

import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.kube.KubeClients;
import dev.lifeboat.observe.Health;
import dev.lifeboat.observe.StatusServer;
import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.retry.Retry;
import dev.lifeboat.runtime.Bootstrap;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.runtime.ProcessContext;
import dev.lifeboat.runtime.WorkerPlugin;
import dev.lifeboat.runtime.WorkerRuntime;
import dev.lifeboat.schemas.registry.SchemaRegistry;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Lifeboat process: prepares topics and schemas, starts the status server, the shared worker
 * runtime and every worker plugin on the class path, and stops them in reverse order. The demo and
 * {@code lifeboat run} both come through here, so the demo exercises exactly what production runs.
 */
public final class LifeboatProcess implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LifeboatProcess.class);

  private final LifeboatConfig config;
  private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Health health = new Health(Clock.systemUTC());
  private final Deque<AutoCloseable> plugins = new ArrayDeque<>();
  private final List<String> pluginNames = new ArrayList<>();
  private final Map<String, Object> facts = new LinkedHashMap<>();
  private final EventFactory events;
  private WorkerRuntime runtime;
  private StatusServer status;
  private KubernetesClient kubernetes;
  private SchemaRegistry registry;
  private Bootstrap.Result bootstrap;
  private Set<String> only = Set.of();

  public LifeboatProcess(LifeboatConfig config, String source) {
    this.config = config;
    this.events = new EventFactory(config.cluster().name(), source, Clock.systemUTC());
    new JvmMemoryMetrics().bindTo(meters);
    new JvmGcMetrics().bindTo(meters);
    new JvmThreadMetrics().bindTo(meters);
    new ProcessorMetrics().bindTo(meters);
    new UptimeMetrics().bindTo(meters);
    health.bindTo(meters);
  }

  /**
   * Runs only the workers named (plugin names: watcher, snapshotter, replicator, verifier, commands);
   * empty: every worker on the class path. A name no installed plugin has is refused at start.
   */
  public LifeboatProcess only(Set<String> workers) {
    this.only = Set.copyOf(workers);
    return this;
  }

  /** Starts everything; on failure stops what was started and rethrows. */
  public LifeboatProcess start() {
    try {
      KafkaClients kafka = KafkaClients.of(config.kafka());
      registry = config.registry().newClient();
      bootstrap = Retry.withDefaults().call("prepare topics and schemas",
          () -> Bootstrap.prepare(kafka, registry, (short) config.kafka().replicationFactor(),
              config.kafka().minInSyncReplicas()));
      health.set("kafka", Health.State.UP, config.kafka().bootstrapServers() + ", " + bootstrap.topics().created().size()
          + " topics created, " + bootstrap.topics().differences().size() + " differ from the catalog");
      health.set("schema-registry", Health.State.UP, config.registry().url() + ", " + bootstrap.schemaIds().size() + " subjects");
      runtime = new WorkerRuntime(kafka, registry, events, meters, health, config.kafka().groupPrefix());
      facts.put("cluster", config.cluster().name());
      facts.put("kafka", config.kafka().bootstrapServers());
      facts.put("schemaRegistry", config.registry().url());
      facts.put("primaryStore", config.stores().primary().endpoint() + "/" + config.stores().primary().bucket());
      facts.put("offsiteStores", config.stores().offsite().stream().map(s -> s.name() + "=" + s.endpoint() + "/" + s.bucket()).toList());
      facts.put("workers", pluginNames);
      status = StatusServer.start(config.status().host(), config.status().port(), health, meters, () -> facts);
      runtime.audit().component(AuditActions.START, "process:" + events.source(), AuditOutcome.INFO)
          .detail("cluster", config.cluster().name()).detail("status", status.url()).publish();
      startPlugins();
      return this;
    } catch (RuntimeException e) {
      close();
      throw e;
    } catch (IOException e) {
      close();
      throw new UncheckedIOException("cannot start the status server on " + config.status().host() + ":" + config.status().port(), e);
    }
  }

  private void startPlugins() {
    ProcessContext context = new ProcessContext(config, runtime, events, meters, health, kubernetesSupplier());
    List<WorkerPlugin> installed = new ArrayList<>();
    ServiceLoader.load(WorkerPlugin.class).forEach(installed::add);
    Set<String> names = installed.stream().map(WorkerPlugin::name).collect(java.util.stream.Collectors.toSet());
    List<String> unknown = only.stream().filter(n -> !names.contains(n)).sorted().toList();
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("no worker named " + unknown + " in this build; installed: " + new java.util.TreeSet<>(names));
    }
    for (WorkerPlugin plugin : installed) {
      if (!only.isEmpty() && !only.contains(plugin.name())) {
        continue;
      }
      try {
        plugins.push(plugin.start(context));
        pluginNames.add(plugin.name());
        log.info("Started {}", plugin.name());
      } catch (Exception e) {
        log.error("{} could not start: {}", plugin.name(), ErrorClassifier.describe(e), e);
        health.set("plugin:" + plugin.name(), Health.State.DOWN, ErrorClassifier.describe(e));
        runtime.audit().component(AuditActions.START, plugin.name(), AuditOutcome.FAILED).reason(ErrorClassifier.describe(e)).publish();
      }
    }
    if (pluginNames.isEmpty()) {
      log.info("No worker modules are installed in this build yet: the process prepares topics and schemas and serves status");
    }
  }

  private Supplier<KubernetesClient> kubernetesSupplier() {
    return () -> {
      synchronized (this) {
        if (kubernetes == null) {
          kubernetes = connectKubernetes();
        }
        return kubernetes;
      }
    };
  }

  private KubernetesClient connectKubernetes() {
    return KubeClients.connect(config.kubernetes().kubeconfig(), config.kubernetes().context(), "kubernetes.kubeconfig");
  }

  public WorkerRuntime runtime() {
    return runtime;
  }

  public Health health() {
    return health;
  }

  public StatusServer status() {
    return status;
  }

  public SchemaRegistry registry() {
    return registry;
  }

  public Bootstrap.Result bootstrap() {
    return bootstrap;
  }

  public List<String> workers() {
    return List.copyOf(pluginNames);
  }

  public Map<String, Object> facts() {
    return facts;
  }

  @Override
  public synchronized void close() {
    while (!plugins.isEmpty()) {
      try {
        plugins.pop().close();
      } catch (Exception e) {
        log.warn("Stopping a worker module failed: {}", e.toString());
      }
    }
    if (runtime != null) {
      try {
        runtime.audit().component(AuditActions.STOP, "process:" + events.source(), AuditOutcome.INFO).publish();
      } catch (RuntimeException e) {
        log.warn("Could not audit the stop: {}", e.toString());
      }
      runtime.close();
      runtime = null;
    }
    if (status != null) {
      status.close();
      status = null;
    }
    if (kubernetes != null) {
      kubernetes.close();
      kubernetes = null;
    }
    meters.close();
  }
}
