package dev.lifeboat.watcher;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The watcher's numbers: changes per kind and type, time from observation to broker
 * acknowledgement, updates that changed nothing, relists, objects and kinds watched, errors.
 */
public final class WatcherMetrics {
  private final MeterRegistry meters;
  private final Timer ackLatency;
  private final Counter unchanged;

  public WatcherMetrics(MeterRegistry meters) {
    this.meters = meters;
    this.ackLatency = Timer.builder("lifeboat.watcher.ack.latency")
        .description("From observing a change to the broker acknowledging its record")
        .publishPercentiles(0.5, 0.99).publishPercentileHistogram(false).register(meters);
    this.unchanged = Counter.builder("lifeboat.watcher.unchanged")
        .description("Updates whose content hash did not change: nothing published").register(meters);
  }

  /** The registry the watcher's meters are in. */
  MeterRegistry meters() {
    return meters;
  }

  void change(WatchedKind kind, String type) {
    meters.counter("lifeboat.watcher.changes", "kind", kind.groupKind(), "type", type).increment();
  }

  void acked(Duration sinceObserved) {
    ackLatency.record(sinceObserved);
  }

  public Timer ackLatency() {
    return ackLatency;
  }

  void unchanged() {
    unchanged.increment();
  }

  void relist(WatchedKind kind) {
    meters.counter("lifeboat.watcher.relists", "kind", kind.groupKind()).increment();
  }

  void error(String reason) {
    meters.counter("lifeboat.watcher.errors", "reason", reason).increment();
  }

  void backlog(Supplier<Number> waiting, Supplier<Number> unacknowledged) {
    meters.gauge("lifeboat.watcher.backlog", java.util.List.of(), waiting, s -> s.get().doubleValue());
    meters.gauge("lifeboat.watcher.unacknowledged", java.util.List.of(), unacknowledged, s -> s.get().doubleValue());
  }

  void watching(Supplier<Number> objects, Supplier<Number> kinds) {
    meters.gauge("lifeboat.watcher.objects", java.util.List.of(), objects, s -> s.get().doubleValue());
    meters.gauge("lifeboat.watcher.kinds", java.util.List.of(), kinds, s -> s.get().doubleValue());
  }
}
