package dev.lifeboat.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.retry.RetryPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class RetriesTest {
  private static final RetryPolicy POLICY = new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(8), 2.0, 0.0, Duration.ofSeconds(10));
  private static final TopicPartition P0 = new TopicPartition("t", 0);
  private static final TopicPartition P1 = new TopicPartition("t", 1);
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private final Retries retries = new Retries(POLICY);

  @Test
  void attemptsAtOneRecordBackOffAndKeepItsPartitionPausedUntilTheBackoffRunsOut() {
    assertThat(retries.failed(P0, 5, T0).backoff()).isEqualTo(Duration.ofSeconds(1));
    Retries.Attempt second = retries.failed(P0, 5, T0.plusSeconds(1));
    assertThat(second.number()).isEqualTo(2);
    assertThat(second.backoff()).isEqualTo(Duration.ofSeconds(2));

    assertThat(retries.waiting(T0.plusSeconds(2))).containsExactly(P0);
    assertThat(retries.waiting(T0.plusSeconds(3))).isEmpty();
    assertThat(retries.size()).isEqualTo(1);
  }

  @Test
  void theDeadlineIsReportedOnceAndAFailureAtAnotherOffsetStartsAfresh() {
    retries.failed(P0, 5, T0);
    Retries.Attempt late = retries.failed(P0, 5, T0.plusSeconds(11));
    assertThat(late.pastDeadline()).isTrue();
    assertThat(late.firstPastDeadline()).isTrue();
    Retries.Attempt later = retries.failed(P0, 5, T0.plusSeconds(20));
    assertThat(later.pastDeadline()).isTrue();
    assertThat(later.firstPastDeadline()).isFalse();

    Retries.Attempt next = retries.failed(P0, 6, T0.plusSeconds(21));
    assertThat(next.number()).isEqualTo(1);
    assertThat(next.pastDeadline()).isFalse();
  }

  @Test
  void successAndLostPartitionsEndTheirRetries() {
    retries.failed(P0, 5, T0);
    retries.failed(P1, 7, T0);
    retries.succeeded(P0);
    assertThat(retries.waiting(T0)).containsExactly(P1);
    retries.forget(List.of(P1));
    assertThat(retries.waiting(T0)).isEmpty();
    assertThat(retries.size()).isZero();
  }
}
