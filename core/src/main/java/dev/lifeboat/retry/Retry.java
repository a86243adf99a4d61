package dev.lifeboat.retry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an operation until it succeeds, fails permanently, or the policy's deadline passes. Time is
 * read from an injected {@link Clock} and waits go through an injected {@link Sleeper}, so tests
 * control both.
 */
public final class Retry {
  private static final Logger log = LoggerFactory.getLogger(Retry.class);

  private final RetryPolicy policy;
  private final Clock clock;
  private final Sleeper sleeper;

  /** How to wait; {@link Thread#sleep} in production. */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  public Retry(RetryPolicy policy, Clock clock, Sleeper sleeper) {
    this.policy = policy;
    this.clock = clock;
    this.sleeper = sleeper;
  }

  public static Retry withDefaults() {
    return new Retry(RetryPolicy.DEFAULT, Clock.systemUTC(), d -> Thread.sleep(d.toMillis()));
  }

  /**
   * Calls {@code operation}; retries retriable failures with backoff until the deadline.
   *
   * @param what names the operation in logs ("put chunk ab12…")
   * @throws RetriableFailure wrapping the last error when the deadline passed
   * @throws PermanentFailure wrapping a permanent error (or the error itself if it is unchecked)
   */
  public <T> T call(String what, Callable<T> operation) {
    Instant start = clock.instant();
    int attempt = 0;
    while (true) {
      attempt++;
      try {
        return operation.call();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RetriableFailure(what + ": interrupted", e);
      } catch (Exception e) {
        if (!ErrorClassifier.isRetriable(e)) {
          if (e instanceof RuntimeException runtime) {
            throw runtime;
          }
          throw new PermanentFailure(what + ": " + ErrorClassifier.describe(e), e);
        }
        Duration wait = policy.backoff(attempt, () -> ThreadLocalRandom.current().nextDouble());
        Instant next = clock.instant().plus(wait);
        if (next.isAfter(start.plus(policy.deadline()))) {
          throw new RetriableFailure(what + ": still failing after " + attempt + " attempts over "
              + Duration.between(start, clock.instant()).toMillis() + " ms: " + ErrorClassifier.describe(e), e);
        }
        log.debug("{} failed (attempt {}), retrying in {} ms: {}", what, attempt, wait.toMillis(), ErrorClassifier.describe(e));
        try {
          sleeper.sleep(wait);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new RetriableFailure(what + ": interrupted while waiting to retry", e);
        }
      }
    }
  }
}
