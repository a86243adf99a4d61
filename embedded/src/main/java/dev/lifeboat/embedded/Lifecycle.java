package dev.lifeboat.embedded;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** What the embedded components share when they start and stop. */
final class Lifecycle {
  private static final long POLL_MILLIS = 50;

  private Lifecycle() {}

  /** One look at whether a component just started is ready. */
  interface Probe {
    boolean ready() throws InterruptedException;
  }

  /** Milliseconds since {@code began}, a {@link System#nanoTime()} value: for the started and stopped logs. */
  static long millisSince(long began) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
  }

  /**
   * Runs the last steps of a start (the component exists, but may not be ready); if one fails, closes the
   * component, so nothing is left running, and rethrows.
   */
  static void orClose(Runnable close, Runnable steps) {
    try {
      steps.run();
    } catch (RuntimeException e) {
      close.run();
      throw e;
    }
  }

  /**
   * Asks {@code probe} every 50 ms until it says ready; fails with {@code notReady}'s message after {@code
   * timeout}, or at once if the probe throws.
   */
  static void await(String what, Duration timeout, Probe probe, Supplier<String> notReady) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (!probe.ready()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(notReady.get());
        }
        Thread.sleep(POLL_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + what, e);
    }
  }
}
