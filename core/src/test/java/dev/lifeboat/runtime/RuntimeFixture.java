package dev.lifeboat.runtime;

import dev.lifeboat.events.v1.RequestReason;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.observe.Health;
import dev.lifeboat.retry.RetryPolicy;
import dev.lifeboat.testing.TestStack;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the runtime's integration tests share: a worker runtime on the test stack with its own meters and
 * health, closed after each test, a retry policy quick enough for a test, and the records they feed
 * workers. Register it on a field the test's constructor sets:
 *
 * <pre>{@code @RegisterExtension final RuntimeFixture workers;  // = new RuntimeFixture(stack, "worker-it")}</pre>
 */
final class RuntimeFixture implements AfterEachCallback {
  /** Retries within milliseconds, and gives up after 30 seconds. */
  static final RetryPolicy FAST = new RetryPolicy(Duration.ofMillis(50), Duration.ofMillis(200), 2.0, 0.1, Duration.ofSeconds(30));

  final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  final Health health = new Health(Clock.systemUTC());
  final WorkerRuntime runtime;
  private final TestStack stack;
  private final String source;

  /** {@code source}: the component the runtime's events and the test's records name as theirs. */
  RuntimeFixture(TestStack stack, String source) {
    this.stack = stack;
    this.source = source;
    this.runtime = newRuntime();
  }

  /** Another runtime like {@link #runtime}, sharing its meters and health; the caller closes it. */
  WorkerRuntime newRuntime() {
    return new WorkerRuntime(stack.kafka(), stack.registry(), stack.events(source), meters, health, "it-");
  }

  /** A command's request for a resource snapshot of {@code target}, with the request id {@code id}. */
  SnapshotRequested request(String id, String target) {
    return SnapshotRequested.newBuilder()
        .setHeader(stack.events(source).header(id))
        .setRequestId(id)
        .setKind(SnapshotKind.RESOURCES)
        .setTarget(target)
        .setReason(RequestReason.COMMAND)
        .build();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    runtime.close();
  }
}
