package dev.lifeboat.watcher.volume;

import dev.lifeboat.events.v1.RequestReason;
import dev.lifeboat.events.v1.VolumeEventType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** The volume watcher's counters. */
final class VolumeMetrics {
  static final String EVENTS = "lifeboat.watcher.volume.events";
  static final String REQUESTS = "lifeboat.watcher.snapshot.requests";
  static final String ERRORS = "lifeboat.watcher.volume.errors";

  private final MeterRegistry meters;

  VolumeMetrics(MeterRegistry meters) {
    this.meters = meters;
  }

  void event(VolumeEventType type) {
    Counter.builder(EVENTS).description("Volume events published").tag("type", type.name()).register(meters).increment();
  }

  void request(RequestReason reason) {
    Counter.builder(REQUESTS).description("Volume snapshot requests published").tag("reason", reason.name())
        .register(meters).increment();
  }

  /** @param source what failed: a kind whose change could not be handled, or publish, schedule, load */
  void error(String source) {
    Counter.builder(ERRORS).description("Volume watcher failures: changes not handled, records not published")
        .tag("source", source).register(meters).increment();
  }
}
