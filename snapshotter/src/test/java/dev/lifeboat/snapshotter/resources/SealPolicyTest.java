package dev.lifeboat.snapshotter.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A segment is sealed when its oldest change has waited the archive period, or when it is full. */
class SealPolicyTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  private final SealPolicy seal = new SealPolicy(Duration.ofSeconds(1), 1000);

  @Test
  void aSegmentIsDueOnceItsOldestChangeIsAPeriodOld() {
    Instant sealBy = seal.sealBy(T, T.plusMillis(30)); // read 30 ms after it was produced
    assertThat(sealBy).isEqualTo(T.plusSeconds(1));
    assertThat(seal.due(sealBy, 10, T.plusMillis(999))).isFalse();
    assertThat(seal.due(sealBy, 10, T.plusSeconds(1))).isTrue();
    assertThat(seal.due(null, 0, T.plusSeconds(100))).as("nothing held, nothing sealed").isFalse();
  }

  @Test
  void aChangeFromAProducerWhoseClockIsAheadWaitsAPeriodFromWhenItWasRead() {
    assertThat(seal.sealBy(T.plusSeconds(60), T)).isEqualTo(T.plusSeconds(1));
  }

  @Test
  void aBacklogReadLateIsSealedAtOnce() {
    Instant sealBy = seal.sealBy(T, T.plusSeconds(30));
    assertThat(seal.due(sealBy, 10, T.plusSeconds(30))).isTrue();
  }

  @Test
  void aFullSegmentIsSealedWhateverItsAge() {
    assertThat(seal.due(T.plusSeconds(1), 1000, T)).isTrue();
    assertThat(seal.due(T.plusSeconds(1), 999, T)).isFalse();
  }

  @Test
  void pendingSegmentsAreLookedAtEveryTenthOfThePeriodBetweenTenAndAHundredMilliseconds() {
    assertThat(seal.checkEvery()).isEqualTo(Duration.ofMillis(100));
    assertThat(new SealPolicy(Duration.ofMillis(500), 1).checkEvery()).isEqualTo(Duration.ofMillis(50));
    assertThat(new SealPolicy(Duration.ofMillis(50), 1).checkEvery()).isEqualTo(Duration.ofMillis(10));
    assertThat(new SealPolicy(Duration.ofMinutes(5), 1).checkEvery()).isEqualTo(Duration.ofMillis(100));
    assertThatThrownBy(() -> new SealPolicy(Duration.ZERO, 1)).hasMessageContaining("must be positive");
  }
}
