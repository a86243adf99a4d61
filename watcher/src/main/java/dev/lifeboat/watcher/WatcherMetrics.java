package dev.lifeboat.watcher;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
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
  private final java.util.List<io.micrometer.core.instrument.Meter> gauges = new java.util.concurrent.CopyOnWriteArrayList<>();

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
    gauge("lifeboat.watcher.backlog", waiting);
    gauge("lifeboat.watcher.unacknowledged", unacknowledged);
  }

  void watching(Supplier<Number> objects, Supplier<Number> kinds) {
    gauge("lifeboat.watcher.objects", objects);
    gauge("lifeboat.watcher.kinds", kinds);
  }

  private void gauge(String name, Supplier<Number> value) {
    gauges.add(Gauge.builder(name, value, s -> s.get().doubleValue()).strongReference(true).register(meters));
  }

  /**
   * Removes the gauges of this watcher from the registry: a watcher started again in the same
   * process (a lease taken back) registers its own, which would otherwise keep measuring this one.
   */
  void close() {
    gauges.forEach(meters::remove);
    gauges.clear();
  }
}
