package dev.lifeboat.commands;

import dev.lifeboat.events.v1.AuditOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The commands worker's metrics: {@code lifeboat_commands_total{action,outcome}} (every answer:
 * ACCEPTED, REJECTED, INFO for a duplicate, and every finished outcome), {@code
 * lifeboat_commands_running}, and {@code lifeboat_commands_duration_seconds{action,outcome}} from
 * acceptance to the finished event.
 */
final class CommandMetrics {
  private final MeterRegistry meters;

  CommandMetrics(MeterRegistry meters, Supplier<Number> running) {
    this.meters = meters;
    Gauge.builder("lifeboat.commands.running", running, s -> s.get().doubleValue()).strongReference(true).register(meters);
  }

  /** @param action the audit action, {@code command.restore} ...; tagged without its prefix */
  void answered(String action, AuditOutcome outcome) {
    Counter.builder("lifeboat.commands").tag("action", tag(action)).tag("outcome", outcome.name())
        .register(meters).increment();
  }

  void finished(String action, AuditOutcome outcome, Duration took) {
    answered(action, outcome);
    Timer.builder("lifeboat.commands.duration").tag("action", tag(action)).tag("outcome", outcome.name())
        .register(meters).record(took);
  }

  double count(String action, AuditOutcome outcome) {
    Counter counter = meters.find("lifeboat.commands").tag("action", tag(action)).tag("outcome", outcome.name()).counter();
    return counter == null ? 0 : counter.count();
  }

  private static String tag(String action) {
    return action.startsWith("command.") ? action.substring("command.".length()) : action;
  }
}
