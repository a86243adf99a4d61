package dev.lifeboat.watcher;

import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.kube.ObjectIdentity;
import dev.lifeboat.observe.Health;
import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.runtime.DeadLetters;
import dev.lifeboat.schemas.topics.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the watcher does when a change does not reach Kafka, so that it never ends in a log line
 * alone.
 *
 * <ul>
 *   <li><b>Refused by Kafka</b> (the broker away longer than the delivery timeout, or an error
 *       retrying cannot cure): the object goes back into the backlog and is sent again, with backoff;
 *       the health component {@code watcher:kafka} is DEGRADED while objects wait, and an audit event
 *       marks when Kafka began refusing and when everything was delivered again.
 *   <li><b>Unprocessable</b> (the watcher cannot hash, seal or encode an object): a dead letter on
 *       {@code lifeboat.dlq} naming the object (its identity only, never its content) with its {@code
 *       record.dead-lettered} audit event, both made by the runtime's {@link DeadLetters} as every
 *       dead letter is, and the health component {@code watcher:changes} DEGRADED until that object
 *       is published.
 * </ul>
 */
public final class PublishFailures {
  private static final Logger log = LoggerFactory.getLogger(PublishFailures.class);
  static final String KAFKA = "watcher:kafka";
  static final String CHANGES = "watcher:changes";
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  private final Health health;
  private final AuditPublisher audit;
  private final WatcherMetrics metrics;
  private final Clock clock;
  private final DeadLetters reporter;
  private RecordSink deadLetters;
  private IntSupplier waiting = () -> 0;

  private final AtomicInteger consecutiveRefusals = new AtomicInteger();
  private final AtomicLong refusedTotal = new AtomicLong();
  private volatile boolean refusing;
  private volatile String lastRefusal;
  private volatile Instant refusingSince;
  private final Map<String, String> unprocessable = new ConcurrentHashMap<>();

  public PublishFailures(Health health, AuditPublisher audit, WatcherMetrics metrics, Clock clock) {
    this.health = health;
    this.audit = audit;
    this.metrics = metrics;
    this.clock = clock;
    this.reporter = new DeadLetters("watcher", audit, clock, metrics.meters());
  }

  /** Where dead letters go, and how many objects wait to be published (for the health detail). */
  public void attach(RecordSink deadLetters, IntSupplier waiting) {
    this.deadLetters = deadLetters;
    this.waiting = waiting;
  }

  /** Kafka refused the record of {@code id}; it is back in the backlog. Called on the producer's thread. */
  void refused(ObjectIdentity id, Throwable error) {
    metrics.error("not-acknowledged");
    refusedTotal.incrementAndGet();
    consecutiveRefusals.incrementAndGet();
    lastRefusal = ErrorClassifier.describe(error);
    if (!refusing) {
      synchronized (this) {
        if (!refusing) {
          refusing = true;
          refusingSince = clock.instant();
          log.error("Kafka refused the record of {} ({}): it and every change after it wait in the backlog and are sent "
              + "again when Kafka takes them", id, lastRefusal);
          if (audit != null) {
            audit.event(AuditActions.WATCHER_PUBLISH_REFUSED, Topics.RESOURCE_CHANGES, AuditOutcome.FAILED)
                .correlationId("watcher").reason("Kafka refused changes, they are kept and sent again: " + lastRefusal).publish();
          }
        }
      }
    }
    health.set(KAFKA, Health.State.DEGRADED, "Kafka refused " + refusedTotal.get() + " records (" + lastRefusal + "); "
        + waiting.getAsInt() + " objects wait to be published");
  }

  /** Kafka acknowledged a record of {@code key}. Called on the producer's thread, for every record: cheap. */
  void acknowledged(String key) {
    consecutiveRefusals.set(0);
    if (!unprocessable.isEmpty() && unprocessable.remove(key) != null) {
      showUnprocessable();
    }
  }

  /** How long to wait before sending the backlog again: nothing while Kafka takes records, then growing to 30 s. */
  Duration backoff() {
    int n = consecutiveRefusals.get();
    if (n == 0) {
      return Duration.ZERO;
    }
    return Duration.ofMillis(Math.min(MAX_BACKOFF.toMillis(), 500L << Math.min(6, n - 1)));
  }

  /** The backlog is empty and nothing waits: if Kafka was refusing, it is over. */
  void drained() {
    if (refusing && consecutiveRefusals.get() == 0) {
      synchronized (this) {
        if (!refusing) {
          return;
        }
        refusing = false;
        Duration outage = Duration.between(refusingSince, clock.instant());
        log.info("Every change Kafka refused has been delivered ({} refusals over {} s)", refusedTotal.get(), outage.toSeconds());
        health.set(KAFKA, Health.State.UP, "every change delivered; " + refusedTotal.get() + " refusals were sent again");
        if (audit != null) {
          audit.event(AuditActions.WATCHER_PUBLISH_RECOVERED, Topics.RESOURCE_CHANGES, AuditOutcome.SUCCEEDED)
              .correlationId("watcher")
              .reason("every change Kafka refused was delivered after " + outage.toSeconds() + " s")
              .detail("refusals", refusedTotal.get()).publish();
        }
      }
    }
  }

  /**
   * The watcher cannot turn this object into a record: dead letter (identity only), audit event,
   * health. The object is published again when it changes or is listed again.
   */
  void unprocessable(WatchedKind kind, ObjectIdentity id, String stage, Throwable error) {
    metrics.error("handler");
    // The message of an error about a sensitive object could quote its content: only its class then.
    String why = error.getClass().getName() + (kind != null && id != null && isQuotable(error) ? ": " + error.getMessage() : "");
    log.error("Cannot publish {} (failed to {}): {}", id, stage, why);
    unprocessable.put(id == null ? "?" : id.key(), why);
    showUnprocessable();
    if (deadLetters != null) { // the dead letter and its audit event, through the watcher's own producer
      reporter.records(DeadLetters.Letter.unsent(Topics.RESOURCE_CHANGES, id == null ? null : id.key(), error)
              .describedAs(why).detail("stage", stage).detail("kind", kind == null ? "?" : kind.toString()),
          "the change could not be published (" + stage + ")").forEach(deadLetters::sendRaw);
    }
  }

  private static boolean isQuotable(Throwable error) {
    return !(error instanceof com.fasterxml.jackson.core.JacksonException) && !(error instanceof java.security.GeneralSecurityException);
  }

  private void showUnprocessable() {
    if (unprocessable.isEmpty()) {
      health.set(CHANGES, Health.State.UP, "every change published");
      return;
    }
    Map.Entry<String, String> one = unprocessable.entrySet().iterator().next();
    health.set(CHANGES, Health.State.DEGRADED, unprocessable.size() + " objects could not be published (e.g. " + one.getKey()
        + ": " + one.getValue() + "); see lifeboat.dlq");
  }
}
