package dev.lifeboat.commands;

import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.commands.v1.Command;
import dev.lifeboat.crypto.KeyRing;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.runtime.Worker;
import dev.lifeboat.runtime.WorkerContext;
import dev.lifeboat.runtime.WorkerDefinition;
import dev.lifeboat.runtime.WorkerRuntime;
import dev.lifeboat.schemas.topics.Topics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commands worker, assembled: the ledger rebuilt from the audit topic (commands accepted before
 * a crash and never finished are reported FAILED, interrupted), the tracker of snapshot and
 * verification answers, the runner, the validator, and the worker on the commands topic.
 */
public final class CommandsWorker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CommandsWorker.class);
  public static final String NAME = "commands";

  private final Worker<Command> worker;
  private final CommandRunner runner;
  private final CommandValidator validator;
  private final OutcomeTracker tracker;
  private final TargetClusters targets;
  private final CommandMetrics metrics;

  private CommandsWorker(Worker<Command> worker, CommandRunner runner, CommandValidator validator, OutcomeTracker tracker,
      TargetClusters targets, CommandMetrics metrics) {
    this.worker = worker;
    this.runner = runner;
    this.validator = validator;
    this.tracker = tracker;
    this.targets = targets;
    this.metrics = metrics;
  }

  /** How many answers of this outcome commands of this action got ({@code lifeboat_commands_total}). */
  public double answers(String action, AuditOutcome outcome) {
    return metrics.count(action, outcome);
  }

  /**
   * @param data the repository's contents; null when this process has no master key (restores are
   *     then rejected)
   * @param keys the data keys that unseal Secrets a resource restore writes; null when the
   *     configuration has none (such Secrets then fail, and say why)
   */
  public static CommandsWorker start(WorkerRuntime runtime, EventFactory processEvents, CommandsSettings settings,
      RestoreData data, TargetClusters targets, KeyRing keys) {
    WorkerContext context = runtime.context();
    EventFactory events = processEvents.forSource(CommandAudit.SOURCE);
    AuditPublisher audit = new AuditPublisher(context.producer(), context.serializer(), events);
    CommandLedger.Rebuilt rebuilt = CommandLedger.rebuild(context.kafka(), context.deserializer(), settings.commandsTopic(), events.cluster(),
        Duration.ofSeconds(60));
    CommandLedger ledger = rebuilt.ledger();
    for (CommandLedger.Unfinished u : rebuilt.unfinished()) {
      try {
        audit.event(u.action(), u.subject(), AuditOutcome.FAILED).correlationId(u.commandId()).actor(u.actor())
            .reason("interrupted: the Lifeboat process running it stopped before it finished; send the command again"
                + " (with a new id) to run it")
            .detail(CommandAudit.DETAIL_CANCELLED, "true").publish().get(30, TimeUnit.SECONDS);
        ledger.done(u.commandId());
      } catch (Exception e) {
        log.warn("Could not report command {} as interrupted: {}", u.commandId(), e.toString());
      }
    }
    OutcomeTracker tracker = new OutcomeTracker(context.kafka(), context.deserializer(),
        List.of(settings.snapshotsTopic(), settings.verificationsTopic(), Topics.AUDIT));
    CommandRunner runner = new CommandRunner(audit, ledger, settings.restoreThreads(), settings.progressEvery(), events.clock());
    CommandMetrics metrics = new CommandMetrics(context.meters(), runner::runningCount);
    runner.metrics(metrics);
    CommandJobs jobs = new CommandJobs(context, events, tracker, new RestoreService(data, targets, keys, settings.dataMover()),
        settings,
        targets);
    CommandValidator validator = new CommandValidator(data, targets, ledger, runner, jobs, settings.dataTimeout(),
        events.clock());
    Worker<Command> worker = runtime.start(WorkerDefinition.of(NAME, settings.commandsTopic(),
        new CommandHandler(events.cluster(), ledger, validator, runner, audit, metrics)));
    log.info("Commands worker serving {} ({} commands remembered, {} reported interrupted)", settings.commandsTopic(),
        ledger.size(), rebuilt.unfinished().size());
    return new CommandsWorker(worker, runner, validator, tracker, targets, metrics);
  }

  /** Commands running now. */
  public int running() {
    return runner.runningCount();
  }

  /** Stops consuming, cancels what runs (each gets its finished event), and closes. */
  @Override
  public void close() {
    worker.stop();
    runner.close();
    validator.close();
    tracker.close();
    targets.close();
  }
}
