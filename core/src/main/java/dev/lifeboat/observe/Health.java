package dev.lifeboat.observe;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The health of every component of a process, as a person would ask for it: what is up, what is
 * degraded (working, but something needs attention) and what is down, each with a reason and since
 * when. Components set their own state; the status server shows the whole.
 */
public final class Health {
  /** Ordered from best to worst. */
  public enum State {
    UP,
    DEGRADED,
    DOWN
  }

  /** One component's state. */
  public record Status(State state, String detail, Instant since) {}

  private final Map<String, Status> components = new ConcurrentHashMap<>();
  private final Clock clock;
  private volatile MeterRegistry meters;

  public Health(Clock clock) {
    this.clock = clock;
  }

  /**
   * Publishes health as metrics: {@code lifeboat_health} (the overall state) and {@code
   * lifeboat_component_health{component}}, each 0 = up, 1 = degraded, 2 = down.
   */
  public Health bindTo(MeterRegistry registry) {
    this.meters = registry;
    Gauge.builder("lifeboat.health", this, h -> h.overall().ordinal())
        .description("Overall health: 0 up, 1 degraded, 2 down").register(registry);
    components.keySet().forEach(this::registerGauge);
    return this;
  }

  /** Records a component's state; the time only moves when the state changes. */
  public void set(String component, State state, String detail) {
    boolean[] added = {false};
    components.compute(component, (name, old) -> {
      added[0] = old == null;
      return old != null && old.state() == state
          ? new Status(state, detail, old.since())
          : new Status(state, detail, clock.instant());
    });
    if (added[0]) {
      registerGauge(component);
    }
  }

  private void registerGauge(String component) {
    MeterRegistry registry = meters;
    if (registry != null) {
      Gauge.builder("lifeboat.component.health", this, h -> {
        Status status = h.components.get(component);
        return status == null ? State.DOWN.ordinal() : status.state().ordinal();
      }).tag("component", component).description("Health of one component: 0 up, 1 degraded, 2 down").register(registry);
    }
  }

  public void remove(String component) {
    components.remove(component);
  }

  public Map<String, Status> components() {
    return new TreeMap<>(components);
  }

  /** The worst state of any component; UP when there are none. */
  public State overall() {
    State worst = State.UP;
    for (Status status : components.values()) {
      if (status.state().compareTo(worst) > 0) {
        worst = status.state();
      }
    }
    return worst;
  }
}
