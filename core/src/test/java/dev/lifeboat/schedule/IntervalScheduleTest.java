package dev.lifeboat.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class IntervalScheduleTest {
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
  private static final Duration MINUTE = Duration.ofMinutes(1);

  @Test
  void firstDueOneIntervalAfterMountThenEveryInterval() {
    IntervalSchedule schedule = new IntervalSchedule();
    schedule.keep("a", MINUTE, T0);
    assertThat(schedule.due(T0.plusSeconds(59))).isEmpty();
    assertThat(schedule.due(T0.plusSeconds(60))).containsExactly("a");
    assertThat(schedule.due(T0.plusSeconds(61))).isEmpty();
    assertThat(schedule.due(T0.plusSeconds(120))).containsExactly("a");
  }

  @Test
  void keepingAgainDoesNotRestartTheCount() {
    IntervalSchedule schedule = new IntervalSchedule();
    schedule.keep("a", MINUTE, T0);
    schedule.keep("a", MINUTE, T0.plusSeconds(50));
    assertThat(schedule.due(T0.plusSeconds(60))).containsExactly("a");
  }

  @Test
  void aNewIntervalStartsCountingAgain() {
    IntervalSchedule schedule = new IntervalSchedule();
    schedule.keep("a", MINUTE, T0);
    schedule.keep("a", Duration.ofMinutes(5), T0.plusSeconds(30));
    assertThat(schedule.due(T0.plusSeconds(60))).isEmpty();
    assertThat(schedule.due(T0.plusSeconds(330))).containsExactly("a");
  }

  @Test
  void droppedClaimsAreNeverDue() {
    IntervalSchedule schedule = new IntervalSchedule();
    schedule.keep("a", MINUTE, T0);
    schedule.drop("a");
    assertThat(schedule.contains("a")).isFalse();
    assertThat(schedule.due(T0.plusSeconds(600))).isEmpty();
  }

  @Test
  void aClaimThatFellBehindIsDueOnceNotOncePerMissedInterval() {
    IntervalSchedule schedule = new IntervalSchedule();
    schedule.keep("a", MINUTE, T0);
    assertThat(schedule.due(T0.plusSeconds(600))).containsExactly("a");
    assertThat(schedule.due(T0.plusSeconds(601))).isEmpty();
    assertThat(schedule.due(T0.plusSeconds(660))).containsExactly("a");
  }
}
