package dev.lifeboat.replicator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BandwidthLimiterTest {
  private static final long SECOND = 1_000_000_000L;
  private final AtomicLong now = new AtomicLong(1_000 * SECOND);
  private final AtomicLong slept = new AtomicLong();
  /** 1 MB/s; sleeping advances the fake clock. */
  private final BandwidthLimiter limiter = new BandwidthLimiter(1_000_000, now::get, nanos -> {
    slept.addAndGet(nanos);
    now.addAndGet(nanos);
  });

  @Test
  void aReaderWaitsForItsBytesAtTheConfiguredRate() {
    assertThat(limiter.reserve(1_000_000)).as("the first second's worth goes at once").isZero();
    assertThat(limiter.reserve(500_000)).as("the next bytes wait until the first second is over").isEqualTo(SECOND);
    assertThat(limiter.reserve(1)).isEqualTo(SECOND + SECOND / 2);
  }

  @Test
  void idleTimeIsNotSavedUpBeyondATenthOfASecond() {
    limiter.reserve(1_000_000);
    now.addAndGet(60 * SECOND);

    assertThat(limiter.reserve(100_000)).isZero();
    assertThat(limiter.reserve(100_000)).as("after a long pause only 0.1 s of bytes go without waiting").isZero();
    assertThat(limiter.reserve(100_000)).isEqualTo(SECOND / 10);
  }

  @Test
  void aThrottledStreamTakesAsLongAsItsSizeAtTheRate() throws IOException {
    try (InputStream in = limiter.throttle(new ByteArrayInputStream(new byte[3_000_000]))) {
      assertThat(in.readAllBytes()).hasSize(3_000_000);
    }

    assertThat(slept.get()).isBetween(2 * SECOND - SECOND / 10, 3 * SECOND);
  }
}
