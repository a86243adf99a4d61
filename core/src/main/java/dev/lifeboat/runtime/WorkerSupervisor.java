package dev.lifeboat.runtime;

import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.observe.Health;
import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.retry.RetryPolicy;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The body of a worker's thread: runs the worker and, when an unexpected Throwable ends a run, runs
 * it again (a new consumer, the uncommitted records read again) after an exponential backoff. Every
 * restart is counted ({@code lifeboat_worker_restarts_total{worker}}), audited ({@code
 * component.restart}, FAILED, naming the error) and shown in health. A record whose handler ended the
 * worker {@value #DEAD_LETTER_AFTER} times in a row is dead-lettered when it is read again. A worker
 * whose transactional producer was fenced by another instance with its id is not restarted.
 */
final class WorkerSupervisor implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(WorkerSupervisor.class);
  /** 1 s doubling to 2 minutes, ±20%; the deadline is not used (restarts go on). */
  static final RetryPolicy RESTART_BACKOFF =
      new RetryPolicy(Duration.ofSeconds(1), Duration.ofMinutes(2), 2.0, 0.2, Duration.ZERO);
  /** Crashes in a row on one record after which that record is dead-lettered. */
  static final int DEAD_LETTER_AFTER = 3;
  /** Crashes in a row, with nothing completed in between, after which health says DOWN rather than DEGRADED. */
  static final int DOWN_AFTER = 5;

  private final Worker<?> worker;
  private final WorkerContext context;
  private final Counter restarts;
  private int restartCount;
  private int inARow;
  private WorkerCrash.Position lastCrashAt;
  private int onThatRecord;

  WorkerSupervisor(Worker<?> worker) {
    this.worker = worker;
    this.context = worker.context();
    this.restarts = Counter.builder("lifeboat.worker.restarts").tag("worker", worker.name())
        .description("Restarts of a worker after an unexpected error ended it").register(context.meters());
  }

  @Override
  public void run() {
    while (worker.running()) {
      try {
        worker.run();
        return; // stopped
      } catch (Throwable t) {
        if (!worker.running()) {
          log.warn("Worker {} ended while stopping: {}", worker.name(), ErrorClassifier.describe(t), t);
          worker.stopped();
          return;
        }
        Duration wait = crashed(t);
        if (wait == null || waitForRestart(wait)) {
          return;
        }
      }
    }
  }

  /** Counts, audits and reports a crash; the wait before the restart, or null if the worker stays down. */
  private Duration crashed(Throwable t) {
    Throwable error = t instanceof WorkerCrash ? t.getCause() : t;
    WorkerCrash.Position at = t instanceof WorkerCrash crash ? crash.handling() : null;
    String component = worker.component();
    String why = ErrorClassifier.describe(error) + (at == null ? "" : " while handling " + at);
    if (Transactions.fenced(error)) {
      log.error("Worker {} stopped: {}", worker.name(), why, t);
      context.health().set(component, Health.State.DOWN, why);
      context.audit().component(AuditActions.CRASH, component, AuditOutcome.FAILED).reason(why)
          .detail("errorClass", error.getClass().getName()).publish();
      return null;
    }
    inARow = worker.completedInLastRun() > 0 ? 1 : inARow + 1;
    onThatRecord = at != null && at.equals(lastCrashAt) ? onThatRecord + 1 : 1;
    lastCrashAt = at;
    boolean deadLetter = at != null && onThatRecord >= DEAD_LETTER_AFTER;
    if (deadLetter) {
      worker.deadLetterOnSight(new RecordProcessor.Poison(at.partition(), at.offset(), error, onThatRecord));
    }
    restartCount++;
    restarts.increment();
    Duration wait = RESTART_BACKOFF.backoff(inARow, () -> ThreadLocalRandom.current().nextDouble());
    String next = deadLetter
        ? "; restarting in " + wait.toMillis() + " ms, and " + at + " goes to the dead-letter topic after "
            + onThatRecord + " crashes on it"
        : "; restarting in " + wait.toMillis() + " ms";
    context.health().set(component, inARow >= DOWN_AFTER ? Health.State.DOWN : Health.State.DEGRADED,
        "crashed (restart " + restartCount + ", " + inARow + " in a row): " + why + next);
    var event = context.audit().component(AuditActions.RESTART, component, AuditOutcome.FAILED)
        .reason("ended by " + why + next)
        .detail("errorClass", error.getClass().getName())
        .detail("restarts", restartCount)
        .detail("crashesInARow", inARow);
    if (at != null) {
      event.detail("record", at.toString()).detail("crashesOnRecord", onThatRecord);
    }
    event.publish();
    MDC.put("worker", worker.name());
    log.error("Worker {} crashed (restart {}, {} in a row): {}{}", worker.name(), restartCount, inARow, why, next, error);
    MDC.remove("worker");
    worker.restarted(restartCount, ErrorClassifier.describe(error));
    return wait;
  }

  /** Waits for the restart; true if a stop came first. */
  private boolean waitForRestart(Duration wait) {
    try {
      if (worker.awaitStop(wait)) {
        worker.stopped();
        return true;
      }
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      worker.stopped();
      return true;
    }
  }
}
