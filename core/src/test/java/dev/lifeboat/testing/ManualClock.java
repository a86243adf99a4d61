package dev.lifeboat.testing;

import dev.lifeboat.retry.Retry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock, in UTC, that moves only when the test moves it: {@link #advance} or {@link #set}. Safe to
 * read and move from several threads, so code under test may run on its own.
 */
public final class ManualClock extends Clock {
  private final AtomicReference<Instant> now;

  public ManualClock(Instant start) {
    this.now = new AtomicReference<>(start);
  }

  /** Moves the clock on by {@code d}. */
  public void advance(Duration d) {
    now.updateAndGet(t -> t.plus(d));
  }

  /** A sleeper for {@link Retry} that does not sleep: it adds each wait to {@code waits} and moves this clock on by it. */
  public Retry.Sleeper recordingSleeper(List<Duration> waits) {
    return d -> {
      waits.add(d);
      advance(d);
    };
  }

  /** Sets the clock to {@code instant}, forwards or back. */
  public void set(Instant instant) {
    now.set(instant);
  }

  @Override
  public Instant instant() {
    return now.get();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
