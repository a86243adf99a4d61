package dev.lifeboat.observe;

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

  public Health(Clock clock) {
    this.clock = clock;
  }

  /** Records a component's state; the time only moves when the state changes. */
  public void set(String component, State state, String detail) {
    components.compute(component, (name, old) -> old != null && old.state() == state
        ? new Status(state, detail, old.since())
        : new Status(state, detail, clock.instant()));
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
