package dev.lifeboat.commands;

import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.commands.v1.Cancel;
import dev.lifeboat.commands.v1.Command;
import dev.lifeboat.commands.v1.Restore;
import dev.lifeboat.commands.v1.SnapshotNow;
import dev.lifeboat.commands.v1.VerifyNow;
import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.AuditOutcome;

/**
 * The audit vocabulary of commands, declared once: what the commands worker writes to {@code
 * lifeboat.audit} and what clients (the CLI) follow. Every event about a command has the command id
 * as its correlation id (so they share a partition and stay in order), the action {@code
 * command.<type>}, and an outcome that says where the command is: ACCEPTED or REJECTED, then
 * STARTED, PROGRESSING (with a progress), and one of SUCCEEDED, PARTIALLY_FAILED or FAILED. A
 * command delivered again is answered with one INFO event ({@link #REASON_DUPLICATE}).
 */
public final class CommandAudit {
  public static final String RESTORE = AuditActions.COMMAND_RESTORE;
  public static final String SNAPSHOT_NOW = AuditActions.COMMAND_SNAPSHOT_NOW;
  public static final String VERIFY_NOW = AuditActions.COMMAND_VERIFY_NOW;
  public static final String CANCEL = AuditActions.COMMAND_CANCEL;
  /** A command whose action could not be told (it never is, for a record that decodes). */
  public static final String UNKNOWN = AuditActions.COMMAND_UNKNOWN;

  /** The source (header) of every event the commands worker writes; the ledger reads only these. */
  public static final String SOURCE = AuditActions.COMMANDS_SOURCE;

  public static final String DETAIL_REQUESTED_BY = "requestedBy";
  public static final String DETAIL_RECORD = "record";
  public static final String DETAIL_CANCELLED = "cancelled";
  public static final String DETAIL_SNAPSHOT_ID = "snapshotId";
  public static final String DETAIL_TARGET = "target";
  public static final String DETAIL_KIND = "kind";

  public static final String REASON_DUPLICATE = "delivered again: a command runs once";

  private CommandAudit() {}

  /** The action name of a command's events. */
  public static String action(Command command) {
    Object action = command.getAction();
    if (action instanceof Restore) {
      return RESTORE;
    }
    if (action instanceof SnapshotNow) {
      return SNAPSHOT_NOW;
    }
    if (action instanceof VerifyNow) {
      return VERIFY_NOW;
    }
    if (action instanceof Cancel) {
      return CANCEL;
    }
    return UNKNOWN;
  }

  /** True for the outcomes after which nothing more is said about a command. */
  public static boolean isTerminal(AuditOutcome outcome) {
    return AuditActions.isTerminal(outcome);
  }

  /** True for an event the commands worker wrote about a command (not a snapshot's or a component's). */
  public static boolean isCommandEvent(AuditEvent event) {
    return AuditActions.isCommandEvent(event);
  }
}
