package dev.lifeboat.verifier;

import dev.lifeboat.observe.Health;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The verifier's metrics and health: {@code lifeboat_verifier_verifications_total{outcome}} (passed,
 * failed, checked_not_restored), and per
 * target {@code lifeboat_verifier_rpo_seconds{target}} (age of the newest snapshot proven by a
 * restore from an off-region copy, growing until the next proof) and {@code
 * lifeboat_verifier_rto_seconds{target}} (how long that proving restore took). A failed
 * verification turns the {@value #COMPONENT} component DEGRADED, naming the target, snapshot and
 * reason, until a later verification of that target passes.
 */
final class VerifierMetrics {
  static final String COMPONENT = "verifier";

  private final MeterRegistry meters;
  private final Health health;
  private final Clock clock;
  private final ProofHistory history;
  private final Counter passed;
  private final Counter failed;
  private final Counter checkedNotRestored;
  private final Counter segmentsPassed;
  private final Counter segmentsFailed;
  private final Set<String> gauges = ConcurrentHashMap.newKeySet();
  private final Map<String, String> failing = new ConcurrentHashMap<>();

  VerifierMetrics(MeterRegistry meters, Health health, Clock clock, ProofHistory history) {
    this.meters = meters;
    this.health = health;
    this.clock = clock;
    this.history = history;
    this.passed = Counter.builder("lifeboat.verifier.verifications").tag("outcome", "passed")
        .description("Verifications that restored a snapshot from an off-region copy and passed every check")
        .register(meters);
    this.failed = Counter.builder("lifeboat.verifier.verifications").tag("outcome", "failed")
        .description("Verifications that failed a check or could not restore").register(meters);
    this.checkedNotRestored = Counter.builder("lifeboat.verifier.verifications").tag("outcome", "checked_not_restored")
        .description("Verifications that restored nothing (CSI snapshots, empty snapshots): checked, proving no restore")
        .register(meters);
    this.segmentsPassed = Counter.builder("lifeboat.verifier.segments").tag("outcome", "passed")
        .description("Change-log segments read back from an off-region copy: authenticated, decoded, matching their key")
        .register(meters);
    this.segmentsFailed = Counter.builder("lifeboat.verifier.segments").tag("outcome", "failed")
        .description("Change-log segments whose off-region copy is missing, damaged or not what its key names")
        .register(meters);
    history.newest().keySet().forEach(this::register);
    health.set(COMPONENT, Health.State.UP, "waiting for replicated snapshots");
  }

  void passed(String target, String snapshotId) {
    passed.increment();
    register(target);
    failing.remove(target);
    updateHealth("last proof: " + target + " snapshot " + snapshotId);
  }

  /**
   * A verification that restored nothing but whose checks passed: counted apart; the RPO gauge is
   * not touched (no restore proved anything), and an earlier failure of the target's checks clears.
   */
  void checkedNotRestored(String target, String snapshotId) {
    checkedNotRestored.increment();
    if (failing.remove(target) != null) {
      updateHealth("snapshot " + snapshotId + " of " + target + " checked again (not restored)");
    }
  }

  void failed(String target, String snapshotId, String store, String reason) {
    failed.increment();
    failing.put(target, "snapshot " + snapshotId + " of " + target + " (store " + store + ") FAILED verification: " + reason);
    updateHealth(null);
  }

  /** A change-log segment's copy read back well: clears an earlier segment failure of that cluster and store. */
  void segmentPassed(String cluster, String store) {
    segmentsPassed.increment();
    if (failing.remove(segmentSubject(cluster, store)) != null) {
      updateHealth("change-log segments of " + cluster + " in store " + store + " read back again");
    }
  }

  void segmentFailed(String cluster, String store, String key, String reason) {
    segmentsFailed.increment();
    failing.put(segmentSubject(cluster, store), "change-log segment " + key + " (store " + store + ") FAILED: " + reason);
    updateHealth(null);
  }

  private static String segmentSubject(String cluster, String store) {
    return "changelog/" + cluster + "@" + store;
  }

  private void updateHealth(String whenUp) {
    if (failing.isEmpty()) {
      health.set(COMPONENT, Health.State.UP, whenUp);
    } else {
      health.set(COMPONENT, Health.State.DEGRADED, String.join(" | ", new TreeMap<>(failing).values()));
    }
  }

  private void register(String target) {
    if (!gauges.add(target)) {
      return;
    }
    Gauge.builder("lifeboat.verifier.rpo.seconds", history, h -> {
      ProofHistory.Proof proof = h.newest().get(target);
      return proof == null ? Double.NaN : Duration.between(proof.snapshotCompletedAt(), clock.instant()).toMillis() / 1000.0;
    }).tag("target", target).description("Age of the newest snapshot proven by a restore from an off-region copy")
        .register(meters);
    Gauge.builder("lifeboat.verifier.rto.seconds", history, h -> {
      ProofHistory.Proof proof = h.newest().get(target);
      return proof == null ? Double.NaN : proof.restoreDuration().toMillis() / 1000.0;
    }).tag("target", target).description("How long the restore that proved the newest snapshot took").register(meters);
  }
}
