package dev.lifeboat.restore;

import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.events.v1.AuditOutcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Turns a restore's progress into {@code PROGRESSING} audit events on {@code lifeboat.audit}, keyed
 * by the correlation id (the command or verification id), which is what the CLI follows: at most
 * one event per interval, plus the last update of each stage, so a 10,000-object restore is a
 * handful of events, not 10,000.
 */
public final class AuditProgress implements Progress {
  /** Default time between two progress events. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);

  private final AuditPublisher audit;
  private final String action;
  private final String subject;
  private final String correlationId;
  private final Clock clock;
  private final Duration interval;
  private Instant last = Instant.MIN;
  private String lastStage;

  /**
   * @param action e.g. {@code restore.resources}, {@code verification.etcd}
   * @param subject what is restored: a snapshot id, {@code cluster@2026-01-01T12:00:00Z}
   */
  public AuditProgress(AuditPublisher audit, String action, String subject, String correlationId, Clock clock,
      Duration interval) {
    this.audit = audit;
    this.action = action;
    this.subject = subject;
    this.correlationId = correlationId;
    this.clock = clock;
    this.interval = interval;
  }

  public AuditProgress(AuditPublisher audit, String action, String subject, String correlationId, Clock clock) {
    this(audit, action, subject, correlationId, clock, DEFAULT_INTERVAL);
  }

  @Override
  public void report(Update update) {
    Instant now = clock.instant();
    synchronized (this) {
      boolean stageChanged = !update.stage().equals(lastStage);
      if (!update.finished() && !stageChanged && now.isBefore(last.plus(interval))) {
        return;
      }
      last = now;
      lastStage = update.stage();
    }
    try {
      AuditPublisher.Builder event = audit.event(action, subject, AuditOutcome.PROGRESSING).correlationId(correlationId)
          .progress(update.done(), update.total() < 0 ? null : update.total(), update.unit())
          .detail("stage", update.stage());
      if (update.bytesTotal() >= 0) {
        event.detail("bytesDone", update.bytesDone()).detail("bytesTotal", update.bytesTotal());
      }
      event.publish();
    } catch (RuntimeException e) {
      // progress is informative: a failure to report it must not fail the restore
      org.slf4j.LoggerFactory.getLogger(AuditProgress.class).debug("Progress of {} not published: {}", subject, e.toString());
    }
  }
}
