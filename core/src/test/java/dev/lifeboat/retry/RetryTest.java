package dev.lifeboat.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.testing.ManualClock;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class RetryTest {
  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final List<Duration> waits = new ArrayList<>();
  private final RetryPolicy policy = new RetryPolicy(Duration.ofMillis(100), Duration.ofSeconds(2), 2.0, 0.0, Duration.ofSeconds(10));
  private final Retry retry = new Retry(policy, clock, clock.recordingSleeper(waits));

  @Test
  void retriesRetriableFailuresWithExponentialBackoffUntilSuccess() {
    AtomicInteger calls = new AtomicInteger();
    String result = retry.call("put chunk", () -> {
      if (calls.incrementAndGet() < 4) {
        throw new IOException("connection reset");
      }
      return "ok";
    });
    assertThat(result).isEqualTo("ok");
    assertThat(waits).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400));
  }

  @Test
  void givesUpAtTheDeadlineWithTheLastError() {
    assertThatThrownBy(() -> retry.call("put chunk", () -> {
      throw new TimeoutException("broker slow");
    })).isInstanceOf(RetriableFailure.class)
        .hasMessageContaining("put chunk: still failing after")
        .hasMessageContaining("broker slow");
    Duration waited = waits.stream().reduce(Duration.ZERO, Duration::plus);
    assertThat(waited).isLessThanOrEqualTo(Duration.ofSeconds(10));
    assertThat(waits).allSatisfy(w -> assertThat(w).isLessThanOrEqualTo(Duration.ofSeconds(2)));
  }

  @Test
  void failsFastOnPermanentErrors() {
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(() -> retry.call("put chunk", () -> {
      calls.incrementAndGet();
      throw new PermanentFailure("access denied", new IOException("403"));
    })).isInstanceOf(PermanentFailure.class);
    assertThat(calls).hasValue(1);
    assertThat(waits).isEmpty();
  }

  @Test
  void jitterStaysWithinItsFractionAndTheCap() {
    RetryPolicy jittery = new RetryPolicy(Duration.ofMillis(1000), Duration.ofMillis(1500), 2.0, 0.2, Duration.ofMinutes(1));
    assertThat(jittery.backoff(1, () -> 0.0)).isEqualTo(Duration.ofMillis(800));
    assertThat(jittery.backoff(1, () -> 0.999999)).isEqualTo(Duration.ofMillis(1200));
    assertThat(jittery.backoff(5, () -> 0.999999)).isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void classifiesAtTheBoundary() {
    assertThat(ErrorClassifier.isRetriable(new RuntimeException(new IOException("reset")))).isTrue();
    assertThat(ErrorClassifier.isRetriable(new TimeoutException("t"))).isTrue();
    assertThat(ErrorClassifier.isRetriable(new IllegalArgumentException("bad"))).isFalse();
    assertThat(ErrorClassifier.isRetriable(new PermanentFailure("denied", new IOException("403")))).isFalse();
    assertThat(ErrorClassifier.isRetriable(new dev.lifeboat.schemas.serde.UndecodableRecordException("t", 0, 7,
        "bytes are not valid Avro", new java.io.EOFException("truncated")))).as("truncated Avro").isFalse();
  }
}
