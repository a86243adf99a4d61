package dev.lifeboat.replicator;

import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.observe.Health;
import dev.lifeboat.runtime.WorkerRuntime;
import dev.lifeboat.testing.TestStack;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the replicator's integration tests share: a worker runtime on the test stack with its own meters,
 * health and events (as the replicator), and what a test opened for it. After each test the runtime is
 * closed first, so no worker is still copying, then what the test opened, in the order it opened them.
 * Register it on a field the test's constructor sets:
 *
 * <pre>{@code @RegisterExtension final ReplicatorFixture workers;  // = new ReplicatorFixture(stack)}</pre>
 */
final class ReplicatorFixture implements AfterEachCallback {
  final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  final Health health = new Health(Clock.systemUTC());
  final EventFactory events;
  final WorkerRuntime runtime;
  private final List<AutoCloseable> closing = new ArrayList<>();

  ReplicatorFixture(TestStack stack) {
    this.events = stack.events("replicator");
    this.runtime = new WorkerRuntime(stack.kafka(), stack.registry(), events, meters, health, "it-");
  }

  /** Closes {@code resource} after the test, once the runtime is closed; returns it. */
  <T extends AutoCloseable> T closeAfter(T resource) {
    closing.add(resource);
    return resource;
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    runtime.close();
    for (AutoCloseable c : closing) {
      c.close();
    }
  }
}
