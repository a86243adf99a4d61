package dev.lifeboat.commands;

import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.restore.Progress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.MDC;

/**
 * What a running command is given: its id, its cancellation token, a progress reporter that writes
 * PROGRESSING audit events (at most one per {@code progressEvery}, and the last of a restore; the
 * restore engine's {@link Progress}), the STARTED event, and the executor for blocking work.
 */
final class Execution implements Progress {
  private final AcceptedCommand command;
  private final CancellationToken token;
  private final AuditPublisher audit;
  private final ExecutorService work;
  private final Clock clock;
  private final Duration progressEvery;
  private final AtomicBoolean started = new AtomicBoolean();
  private Instant lastProgress = Instant.EPOCH;

  Execution(AcceptedCommand command, CancellationToken token, AuditPublisher audit, ExecutorService work, Clock clock,
      Duration progressEvery) {
    this.command = command;
    this.token = token;
    this.audit = audit;
    this.work = work;
    this.clock = clock;
    this.progressEvery = progressEvery;
  }

  String commandId() {
    return command.commandId();
  }

  CancellationToken token() {
    return token;
  }

  /**
   * An audit event of another action about this command's work (an application hook), correlated by
   * the command's id and with its actor, so that it follows the command's own events.
   */
  AuditPublisher.Builder event(String action, String subject, AuditOutcome outcome) {
    return audit.event(action, subject, outcome).correlationId(command.commandId()).actor(command.actor());
  }

  /** Writes the STARTED event (once). */
  void started(Map<String, String> details) {
    if (started.compareAndSet(false, true)) {
      AuditPublisher.Builder event = command.event(audit, AuditOutcome.STARTED);
      details.forEach(event::detail);
      event.publish();
    }
  }

  /**
   * Runs blocking work on the command executor: when a thread takes it, a command cancelled while it
   * waited ends there; otherwise STARTED is written and the work runs.
   */
  CompletableFuture<CommandOutcome> runBlocking(Map<String, String> startDetails, Callable<CommandOutcome> body) {
    return CompletableFuture.supplyAsync(() -> {
      MDC.put("commandId", command.commandId());
      try {
        token.throwIfCancelled();
        started(startDetails);
        return body.call();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new CompletionException(e);
      } finally {
        MDC.remove("commandId");
      }
    }, work);
  }

  @Override
  public synchronized void report(Progress.Update update) {
    Instant now = clock.instant();
    if (!update.finished() && Duration.between(lastProgress, now).compareTo(progressEvery) < 0) {
      return;
    }
    lastProgress = now;
    command.event(audit, AuditOutcome.PROGRESSING)
        .progress(update.done(), update.total() < 0 ? null : update.total(), update.unit())
        .detail("stage", update.stage()).publish();
  }
}
