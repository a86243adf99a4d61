package dev.lifeboat.retry;

import java.time.Duration;
import java.util.Objects;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with jitter and a deadline.
 *
 * @param initialBackoff wait before the second attempt
 * @param maxBackoff cap of any single wait
 * @param multiplier growth of the wait per attempt (at least 1)
 * @param jitter fraction of each wait that is randomised, 0..1 (0.2 = ±20%)
 * @param deadline how long after the first failure to keep trying; {@link Duration#ZERO} never retries
 */
public record RetryPolicy(Duration initialBackoff, Duration maxBackoff, double multiplier, double jitter, Duration deadline) {

  /** 200 ms doubling to 30 s, ±20%, for up to 5 minutes. */
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(30), 2.0, 0.2, Duration.ofMinutes(5));

  public RetryPolicy {
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    Objects.requireNonNull(deadline, "deadline");
    if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("retry backoff must satisfy 0 <= initial <= max, was "
          + initialBackoff + " and " + maxBackoff);
    }
    if (multiplier < 1.0) {
      throw new IllegalArgumentException("retry multiplier must be at least 1, was " + multiplier);
    }
    if (jitter < 0 || jitter > 1) {
      throw new IllegalArgumentException("retry jitter must be between 0 and 1, was " + jitter);
    }
  }

  /**
   * The wait after failed attempt number {@code attempt} (1 = the first attempt failed).
   *
   * @param random uniform values in [0, 1)
   */
  public Duration backoff(int attempt, DoubleSupplier random) {
    double base = initialBackoff.toMillis() * Math.pow(multiplier, Math.max(0, attempt - 1));
    double capped = Math.min(base, maxBackoff.toMillis());
    double factor = 1.0 + jitter * (2 * random.getAsDouble() - 1);
    return Duration.ofMillis(Math.max(0, Math.round(Math.min(capped * factor, maxBackoff.toMillis()))));
  }
}
