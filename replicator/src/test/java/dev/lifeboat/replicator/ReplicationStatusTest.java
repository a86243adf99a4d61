package dev.lifeboat.replicator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.observe.Health;
import dev.lifeboat.retry.RetriableFailure;
import dev.lifeboat.testing.ManualClock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ReplicationStatusTest {
  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T12:00:00Z"));
  private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Health health = new Health(clock);
  private final ReplicationStatus status = new ReplicationStatus("dr", meters, health, clock);

  @Test
  void theLagIsTheAgeOfTheOldestEventNotYetCopiedAndZeroWhenCaughtUp() {
    assertThat(status.lagSeconds()).isZero();
    Instant completed = clock.instant();
    status.started(0, completed);
    clock.advance(Duration.ofSeconds(3));
    status.started(1, clock.instant());
    clock.advance(Duration.ofSeconds(4));

    assertThat(status.lagSeconds()).isEqualTo(7.0);
    status.waiting(0, new RetriableFailure("connection refused"));
    clock.advance(Duration.ofSeconds(10));
    assertThat(status.lagSeconds()).as("it keeps rising while the copy waits").isEqualTo(17.0);
    assertThat(health.components().get("replication:dr").state()).isEqualTo(Health.State.DEGRADED);
    assertThat(health.components().get("replication:dr").detail()).contains("connection refused");

    status.replicated(0, "snapshot", "s1", completed, null);
    assertThat(status.lagSeconds()).isEqualTo(14.0);
    status.replicated(1, "snapshot", "s2", completed.plusSeconds(3), null);
    assertThat(status.lagSeconds()).isZero();
    assertThat(health.components().get("replication:dr").state()).isEqualTo(Health.State.UP);
    assertThat(health.components().get("replication:dr").detail()).contains("lag 0 s").contains("2 replicated");
  }

  @Test
  void metricsCarryLifeboatsPrometheusNamesAndTheStore() {
    status.started(0, clock.instant().minusSeconds(2));
    status.copied(1000);
    status.skipped(3);

    String scrape = meters.scrape();
    assertThat(scrape).contains("lifeboat_replication_lag_seconds{store=\"dr\"} 2.0")
        .contains("lifeboat_replication_bytes_total{store=\"dr\"} 1000.0")
        .contains("lifeboat_replication_objects_total{outcome=\"copied\",store=\"dr\"} 1.0")
        .contains("lifeboat_replication_objects_total{outcome=\"skipped\",store=\"dr\"} 3.0");
  }
}
