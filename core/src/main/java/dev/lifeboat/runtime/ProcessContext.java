package dev.lifeboat.runtime;

import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.observe.Health;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Supplier;

/**
 * What a {@link WorkerPlugin} is given: the configuration, the shared worker runtime, and the
 * protected cluster's Kubernetes client (created on first use).
 */
public record ProcessContext(
    LifeboatConfig config,
    WorkerRuntime runtime,
    EventFactory events,
    MeterRegistry meters,
    Health health,
    Supplier<KubernetesClient> kubernetes) {}
