package dev.lifeboat.replicator;

import dev.lifeboat.observe.Health;
import dev.lifeboat.retry.ErrorClassifier;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One target store's replication as metrics and as its line on the status page ({@code
 * replication:<store>}). The lag is the age of the oldest event the store has not caught up with: for
 * each input partition, the completion time of the event being copied or retried; zero when every
 * event so far is copied.
 *
 * <p>Metrics, tagged {@code store}: {@code lifeboat_replication_lag_seconds}, {@code
 * lifeboat_replication_bytes_total}, {@code lifeboat_replication_objects_total{outcome=copied|skipped}},
 * {@code lifeboat_replication_replicated_total{what=snapshot|segment}}, {@code
 * lifeboat_replication_failures_total{reason=damaged|missing|invalid|store}}, {@code
 * lifeboat_replication_delay_seconds} (completion to copied, per event, with p50/p99) and {@code
 * lifeboat_replication_segment_age_seconds} (a segment's last change to its copy: the resources' RPO).
 */
final class ReplicationStatus {
  /** A partition's pending event not heard of for this long belongs to another instance now. */
  private static final Duration STALE = Duration.ofMinutes(5);

  private final String store;
  private final String component;
  private final MeterRegistry meters;
  private final Health health;
  private final Clock clock;
  private final Map<Integer, Pending> pending = new ConcurrentHashMap<>();
  private final Counter bytes;
  private final Counter copied;
  private final Counter skipped;
  private final Timer delay;
  private final Timer segmentAge;
  private final AtomicLong replicated = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicReference<String> last = new AtomicReference<>("nothing yet");
  private final AtomicReference<Problem> problem = new AtomicReference<>();

  private record Pending(Instant completedAt, Instant touched) {}

  private record Problem(String text, Instant since, boolean storeDown) {}

  ReplicationStatus(String store, MeterRegistry meters, Health health, Clock clock) {
    this.store = store;
    this.component = "replication:" + store;
    this.meters = meters;
    this.health = health;
    this.clock = clock;
    Gauge.builder("lifeboat.replication.lag", this, ReplicationStatus::lagSeconds).tag("store", store).baseUnit("seconds")
        .description("Age of the oldest snapshot or segment not yet copied to this store; 0 when caught up").register(meters);
    this.bytes = Counter.builder("lifeboat.replication.bytes").tag("store", store).baseUnit("bytes")
        .description("Bytes copied to this store").register(meters);
    this.copied = Counter.builder("lifeboat.replication.objects").tag("store", store).tag("outcome", "copied")
        .description("Repository objects copied to this store, or found there already").register(meters);
    this.skipped = Counter.builder("lifeboat.replication.objects").tag("store", store).tag("outcome", "skipped")
        .description("Repository objects copied to this store, or found there already").register(meters);
    this.delay = Timer.builder("lifeboat.replication.delay").tag("store", store).publishPercentiles(0.5, 0.99)
        .description("From a snapshot's (or segment's) completion to its verified copy in this store").register(meters);
    this.segmentAge = Timer.builder("lifeboat.replication.segment.age").tag("store", store).publishPercentiles(0.5, 0.99)
        .description("From the last change a change-log segment holds to the segment's verified copy in this store")
        .register(meters);
    health.set(component, Health.State.UP, "waiting for snapshots");
  }

  /** An event of {@code partition}, completed at {@code completedAt}, is being copied. */
  void started(int partition, Instant completedAt) {
    pending.compute(partition, (p, old) -> new Pending(old == null ? completedAt : old.completedAt(), clock.instant()));
  }

  void copied(long objectBytes) {
    copied.increment();
    bytes.increment(objectBytes);
  }

  void skipped(int objects) {
    skipped.increment(objects);
  }

  /** The event of {@code partition} is in the store. */
  void replicated(int partition, String what, String id, Instant completedAt, Instant lastChange) {
    pending.remove(partition);
    Instant now = clock.instant();
    Duration took = Duration.between(completedAt, now);
    delay.record(took.isNegative() ? Duration.ZERO : took);
    if (lastChange != null) {
      segmentAge.record(Duration.between(lastChange, now).isNegative() ? Duration.ZERO : Duration.between(lastChange, now));
    }
    meters.counter("lifeboat.replication.replicated", "store", store, "what", what).increment();
    replicated.incrementAndGet();
    last.set(id + " copied " + String.format("%.1f", took.toMillis() / 1000.0) + " s after completion");
    problem.set(null);
    refreshHealth();
  }

  /** The event of {@code partition} cannot be copied, ever: it is reported and passed over. */
  void failed(int partition, String id, String reason, String why) {
    pending.remove(partition);
    meters.counter("lifeboat.replication.failures", "store", store, "reason", reason).increment();
    failed.incrementAndGet();
    problem.set(new Problem(id + " not copied: " + why, clock.instant(), false));
    refreshHealth();
  }

  /** A store failed while the event of {@code partition} was copied; it stays on Kafka and is retried. */
  void waiting(int partition, Throwable error) {
    pending.computeIfPresent(partition, (p, old) -> new Pending(old.completedAt(), clock.instant()));
    meters.counter("lifeboat.replication.failures", "store", store, "reason", "store").increment();
    Problem before = problem.get();
    Instant since = before != null && before.storeDown() ? before.since() : clock.instant();
    problem.set(new Problem("copies wait: " + ErrorClassifier.describe(error), since, true));
    refreshHealth();
  }

  double lagSeconds() {
    Instant now = clock.instant();
    Instant oldest = null;
    for (Pending p : pending.values()) {
      if (p.touched().plus(STALE).isAfter(now) && (oldest == null || p.completedAt().isBefore(oldest))) {
        oldest = p.completedAt();
      }
    }
    return oldest == null ? 0 : Math.max(0, Duration.between(oldest, now).toMillis() / 1000.0);
  }

  /** Updates the status line; the lag in it grows while copies wait. */
  void refreshHealth() {
    String counts = replicated.get() + " replicated, " + failed.get() + " failed; last: " + last.get();
    String lag = String.format("lag %.0f s", lagSeconds());
    Problem p = problem.get();
    if (p == null) {
      health.set(component, Health.State.UP, lag + "; " + counts);
    } else {
      health.set(component, Health.State.DEGRADED, lag + "; " + p.text() + " (since " + p.since() + "); " + counts);
    }
  }

  void close() {
    health.remove(component);
  }
}
