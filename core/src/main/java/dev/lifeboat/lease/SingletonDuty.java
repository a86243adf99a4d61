package dev.lifeboat.lease;

import dev.lifeboat.runtime.ProcessContext;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A role that must run once per cluster: started at once when {@code leaderElection.enabled} is off
 * (one process), else only while this process holds the lease of that name ({@link Leadership}), and
 * stopped when the lease is lost.
 */
public final class SingletonDuty {
  private static final Logger log = LoggerFactory.getLogger(SingletonDuty.class);

  private SingletonDuty() {}

  /**
   * @param start starts the role and returns what stops it; its close must return once the role has stopped acting
   * @return what stops the role and gives up the lease
   */
  public static AutoCloseable start(String lease, ProcessContext context, Supplier<? extends AutoCloseable> start) {
    LeaseConfig config = context.config().section(LeaseConfig.SECTION);
    if (!config.enabled()) {
      return start.get();
    }
    AtomicReference<AutoCloseable> running = new AtomicReference<>();
    Leadership leadership = Leadership.start(lease, identity(), context.kubernetes(), config.settings(), new Leadership.Duty() {
      @Override
      public void begin() {
        running.set(start.get());
      }

      @Override
      public void end() {
        AutoCloseable role = running.getAndSet(null);
        if (role != null) {
          try {
            role.close();
          } catch (Exception e) {
            log.warn("Stopping the role of lease {} failed: {}", lease, e.toString());
          }
        }
      }
    }, context.health(), context.meters());
    return leadership::close;
  }

  /** The pod's name (HOSTNAME in a pod) and a suffix unique to this process. */
  private static String identity() {
    String host = System.getenv().getOrDefault("HOSTNAME", "lifeboat");
    return host + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
