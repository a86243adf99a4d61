package dev.lifeboat.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.schedule.VolumePolicy.Mode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VolumePoliciesTest {
  private static final VolumePolicy FAST_ON_CHANGE = new VolumePolicy("fast", null, Mode.ON_CHANGE, null);
  private static final VolumePolicy DB_HOURLY = new VolumePolicy(null, "tier=db", Mode.INTERVAL, Duration.ofHours(1));
  private static final VolumePolicy SCRATCH_NEVER = new VolumePolicy(null, "scratch=", Mode.NEVER, null);

  @Test
  void matchesByStorageClassOrByLabel() {
    VolumePolicies policies = new VolumePolicies(List.of(FAST_ON_CHANGE, DB_HOURLY));
    assertThat(policies.match("fast", Map.of())).contains(FAST_ON_CHANGE);
    assertThat(policies.match("standard", Map.of("tier", "db"))).contains(DB_HOURLY);
  }

  @Test
  void theFirstMatchingPolicyWins() {
    assertThat(new VolumePolicies(List.of(DB_HOURLY, FAST_ON_CHANGE)).match("fast", Map.of("tier", "db")))
        .contains(DB_HOURLY);
    assertThat(new VolumePolicies(List.of(FAST_ON_CHANGE, DB_HOURLY)).match("fast", Map.of("tier", "db")))
        .contains(FAST_ON_CHANGE);
  }

  @Test
  void aClaimNoPolicyMatchesHasNone() {
    VolumePolicies policies = new VolumePolicies(List.of(FAST_ON_CHANGE, DB_HOURLY));
    assertThat(policies.match("standard", Map.of("tier", "web"))).isEmpty();
    assertThat(policies.match(null, Map.of())).isEmpty();
    assertThat(new VolumePolicies(List.of()).match("fast", Map.of())).isEmpty();
  }

  @Test
  void aLabelWithAnEmptyValueMatchesOnlyThatValue() {
    VolumePolicies policies = new VolumePolicies(List.of(SCRATCH_NEVER));
    assertThat(policies.match(null, Map.of("scratch", ""))).contains(SCRATCH_NEVER);
    assertThat(policies.match(null, Map.of("scratch", "yes"))).isEmpty();
  }

  @Test
  void aPolicyNamingBothStorageClassAndLabelNeedsBoth() {
    VolumePolicy both = new VolumePolicy("fast", "tier=db", Mode.ON_CHANGE, null);
    VolumePolicies policies = new VolumePolicies(List.of(both));
    assertThat(policies.match("fast", Map.of("tier", "db"))).contains(both);
    assertThat(policies.match("fast", Map.of())).isEmpty();
    assertThat(policies.match("slow", Map.of("tier", "db"))).isEmpty();
  }

  @Test
  void shortestIntervalOfTheIntervalPolicies() {
    VolumePolicy minutely = new VolumePolicy("x", null, Mode.INTERVAL, Duration.ofMinutes(1));
    assertThat(new VolumePolicies(List.of(FAST_ON_CHANGE, DB_HOURLY, minutely)).shortestInterval())
        .isEqualTo(Duration.ofMinutes(1));
    assertThat(new VolumePolicies(List.of(FAST_ON_CHANGE)).shortestInterval()).isNull();
  }
}
