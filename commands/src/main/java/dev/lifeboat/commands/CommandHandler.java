package dev.lifeboat.commands;

import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.commands.v1.Command;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.retry.PermanentFailure;
import dev.lifeboat.retry.RetriableFailure;
import dev.lifeboat.runtime.InboundRecord;
import dev.lifeboat.runtime.Outputs;
import dev.lifeboat.runtime.RecordHandler;
import dev.lifeboat.commands.CommandValidator.Accepted;
import dev.lifeboat.commands.CommandValidator.Decision;
import dev.lifeboat.commands.CommandValidator.Rejected;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Serves {@code lifeboat.commands}: a command seen before is answered with one INFO event and not
 * run again; any other is validated, and its ACCEPTED or REJECTED event is written (and
 * acknowledged) before the record's offset can be committed; an accepted command then runs beside
 * the consumer. Records that do not decode never get here: the runtime dead-letters them with an
 * audit event.
 */
final class CommandHandler implements RecordHandler<Command> {
  private static final Logger log = LoggerFactory.getLogger(CommandHandler.class);
  private static final long ACK_SECONDS = 30;

  private final String cluster;
  private final CommandLedger ledger;
  private final CommandValidator validator;
  private final CommandRunner runner;
  private final AuditPublisher audit;
  private final CommandMetrics metrics;

  CommandHandler(String cluster, CommandLedger ledger, CommandValidator validator, CommandRunner runner, AuditPublisher audit,
      CommandMetrics metrics) {
    this.cluster = cluster;
    this.ledger = ledger;
    this.validator = validator;
    this.runner = runner;
    this.audit = audit;
    this.metrics = metrics;
  }

  @Override
  public void handle(InboundRecord<Command> record, Outputs outputs) throws Exception {
    Command command = record.value();
    if (command == null) {
      throw new PermanentFailure("the record has no value: a record on the commands topic carries a Command");
    }
    if (command.getHeader() != null && !cluster.equals(command.getHeader().getCluster())) {
      return; // the topics may be shared by the Lifeboats of several clusters: another cluster's command is its own
    }
    String action = CommandAudit.action(command);
    String actor = command.getRequestedBy() == null || command.getRequestedBy().isBlank() ? "unknown" : command.getRequestedBy();
    String id = command.getCommandId();
    boolean validId = id != null && CommandValidator.COMMAND_ID.matcher(id).matches();
    MDC.put("commandId", validId ? id : "-");
    try {
      if (validId && ledger.state(id) != null) {
        log.info("Command {} delivered again ({}): not run again", id, record.position());
        audit.event(action, CommandValidator.subject(command), AuditOutcome.INFO).correlationId(id).actor(actor)
            .reason(CommandAudit.REASON_DUPLICATE + " (it is " + (ledger.state(id) == CommandLedger.State.DONE
                ? "finished" : "running") + ")")
            .detail(CommandAudit.DETAIL_RECORD, record.position()).publish();
        metrics.answered(action, AuditOutcome.INFO);
        return;
      }
      Decision decision = validId ? validator.validate(command)
          : new Rejected(CommandValidator.subject(command), "the command id is empty or not 1-128 printable ASCII characters");
      if (decision instanceof Rejected rejected) {
        String correlation = validId ? id : "command@" + record.position();
        await(audit.event(action, rejected.subject(), AuditOutcome.REJECTED).correlationId(correlation).actor(actor)
            .reason(rejected.reason()).detail(CommandAudit.DETAIL_REQUESTED_BY, actor)
            .detail(CommandAudit.DETAIL_RECORD, record.position()).publish());
        if (validId) {
          ledger.done(id);
        }
        metrics.answered(action, AuditOutcome.REJECTED);
        return;
      }
      Accepted accepted = (Accepted) decision;
      AcceptedCommand run = new AcceptedCommand(id, action, actor, accepted.subject(), accepted.job());
      AuditPublisher.Builder event = run.event(audit, AuditOutcome.ACCEPTED);
      accepted.details().forEach(event::detail);
      await(event.detail(CommandAudit.DETAIL_REQUESTED_BY, actor).detail(CommandAudit.DETAIL_RECORD, record.position())
          .publish());
      metrics.answered(action, AuditOutcome.ACCEPTED);
      runner.run(run);
    } finally {
      MDC.remove("commandId");
    }
  }

  /** The answer must be on Kafka before the offset is committed: a command is never answered twice or never. */
  private static void await(Future<RecordMetadata> send) throws Exception {
    try {
      send.get(ACK_SECONDS, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new RetriableFailure("the audit event answering the command could not be written: " + e.getMessage(), e);
    }
  }
}
