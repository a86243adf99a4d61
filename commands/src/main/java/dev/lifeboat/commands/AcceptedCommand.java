package dev.lifeboat.commands;

import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.events.v1.AuditOutcome;

/**
 * A command that passed validation: who asked, what it is about, and its work.
 *
 * @param action the audit action ({@link CommandAudit#RESTORE} ...)
 * @param subject what the command is about, in the audit events' subject
 */
record AcceptedCommand(String commandId, String action, String actor, String subject, CommandJob job) {

  /** An audit event about this command, correlated by its id. */
  AuditPublisher.Builder event(AuditPublisher audit, AuditOutcome outcome) {
    return audit.event(action, subject, outcome).correlationId(commandId).actor(actor);
  }
}
