package dev.lifeboat.commands;

import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.commands.CancellationToken.CancelledException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs accepted commands beside the consumer, so that a long restore never holds up polling (and
 * Cancel can reach it): blocking work on a small executor, waiting work on futures. Writes each
 * command's finished event (exactly once, with its outcome and counts) and marks it done in the
 * ledger.
 */
final class CommandRunner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CommandRunner.class);
  private static final Duration STOP_WAIT = Duration.ofSeconds(10);
  private static final String STOPPING = "interrupted: the Lifeboat process running it is stopping; send the command"
      + " again (with a new id) to run it";

  /** A command in progress. {@code finished} completes with its outcome once its finished event is out. */
  record Running(AcceptedCommand command, CancellationToken token, CompletableFuture<CommandOutcome> finished,
      AtomicBoolean reported, long startedNanos) {}

  private final AuditPublisher audit;
  private final CommandLedger ledger;
  private final Clock clock;
  private final Duration progressEvery;
  private final ExecutorService work;
  private final Map<String, Running> running = new ConcurrentHashMap<>();
  private CommandMetrics metrics;
  private volatile boolean closed;

  CommandRunner(AuditPublisher audit, CommandLedger ledger, int threads, Duration progressEvery, Clock clock) {
    this.audit = audit;
    this.ledger = ledger;
    this.clock = clock;
    this.progressEvery = progressEvery;
    AtomicInteger n = new AtomicInteger();
    this.work = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "lifeboat-command-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  void metrics(CommandMetrics value) {
    this.metrics = value;
  }

  /** Starts an accepted command; its finished event follows when its work ends, however it ends. */
  Running run(AcceptedCommand command) {
    CancellationToken token = new CancellationToken();
    Running r = new Running(command, token, new CompletableFuture<>(), new AtomicBoolean(), System.nanoTime());
    running.put(command.commandId(), r);
    ledger.running(command.commandId());
    if (closed) {
      report(r, CommandOutcome.failed(STOPPING, Map.of(CommandAudit.DETAIL_CANCELLED, "true")));
      return r;
    }
    CompletableFuture<CommandOutcome> work;
    try {
      work = command.job().start(new Execution(command, token, audit, this.work, clock, progressEvery));
    } catch (Exception e) {
      work = CompletableFuture.failedFuture(e);
    }
    work.whenComplete((outcome, error) -> finish(r, outcome, error));
    return r;
  }

  /** The command with this id, while it runs. */
  Optional<Running> find(String commandId) {
    return Optional.ofNullable(running.get(commandId));
  }

  int runningCount() {
    return running.size();
  }

  private void finish(Running r, CommandOutcome outcome, Throwable error) {
    CommandOutcome result = outcome != null && error == null ? outcome : fromError(r.token(), error);
    if (r.token().isCancelled() && result.outcome() != AuditOutcome.SUCCEEDED && error != null) {
      Map<String, String> details = new LinkedHashMap<>(result.details());
      details.put(CommandAudit.DETAIL_CANCELLED, "true");
      result = new CommandOutcome(result.outcome(), result.reason(), details);
    }
    report(r, result);
  }

  /** Writes the finished event (once) and lets the command go. */
  private void report(Running r, CommandOutcome result) {
    if (!r.reported().compareAndSet(false, true)) {
      return;
    }
    AcceptedCommand command = r.command();
    AuditPublisher.Builder event = command.event(audit, result.outcome()).reason(result.reason());
    result.details().forEach(event::detail);
    try {
      event.publish().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      log.error("The finished event of command {} could not be written: {}", command.commandId(), ErrorClassifier.describe(e));
    }
    ledger.done(command.commandId());
    running.remove(command.commandId());
    if (metrics != null) {
      metrics.finished(command.action(), result.outcome(), Duration.ofNanos(System.nanoTime() - r.startedNanos()));
    }
    r.finished().complete(result);
  }

  private static CommandOutcome fromError(CancellationToken token, Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof CancelledException || (token.isCancelled() && cause instanceof java.util.concurrent.CancellationException)) {
      return CommandOutcome.failed(token.reason() == null ? cause.getMessage() : token.reason());
    }
    if (cause instanceof TimeoutException) {
      return CommandOutcome.failed(cause.getMessage() == null ? "timed out" : cause.getMessage());
    }
    return CommandOutcome.failed(ErrorClassifier.describe(cause));
  }

  /**
   * Cancels what runs, waits briefly for it to stop, and reports what did not stop as interrupted,
   * so that no accepted command is left without a finished event.
   */
  @Override
  public void close() {
    closed = true;
    running.values().forEach(r -> r.token().cancel(STOPPING));
    work.shutdown();
    long deadline = System.nanoTime() + STOP_WAIT.toNanos();
    for (Running r : running.values()) {
      try {
        r.finished().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (ExecutionException | TimeoutException e) {
        // reported below
      }
    }
    for (Running r : running.values()) {
      report(r, CommandOutcome.failed(r.token().reason(), Map.of(CommandAudit.DETAIL_CANCELLED, "true")));
    }
    work.shutdownNow();
  }
}
