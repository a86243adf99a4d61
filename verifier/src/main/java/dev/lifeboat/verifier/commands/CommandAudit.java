package dev.lifeboat.verifier.commands;

import dev.lifeboat.commands.v1.Cancel;
import dev.lifeboat.commands.v1.Command;
import dev.lifeboat.commands.v1.Restore;
import dev.lifeboat.commands.v1.SnapshotNow;
import dev.lifeboat.commands.v1.VerifyNow;
import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.AuditOutcome;
import java.util.Set;

/**
 * The audit vocabulary of commands, declared once: what the commands worker writes to {@code
 * lifeboat.audit} and what clients (the CLI) follow. Every event about a command has the command id
 * as its correlation id (so they share a partition and stay in order), the action {@code
 * command.<type>}, and an outcome that says where the command is: ACCEPTED or REJECTED, then
 * STARTED, PROGRESSING (with a progress), and one of SUCCEEDED, PARTIALLY_FAILED or FAILED. A
 * command delivered again is answered with one INFO event ({@link #REASON_DUPLICATE}).
 */
public final class CommandAudit {
  public static final String RESTORE = "command.restore";
  public static final String SNAPSHOT_NOW = "command.snapshot-now";
  public static final String VERIFY_NOW = "command.verify-now";
  public static final String CANCEL = "command.cancel";
  /** A command whose action could not be told (it never is, for a record that decodes). */
  public static final String UNKNOWN = "command.unknown";

  /** The request the verifier serves for a VerifyNow (see DESIGN.md): an INFO event with these details. */
  public static final String VERIFICATION_REQUESTED = "verification.requested";

  /** The source (header) of every event the commands worker writes; the ledger reads only these. */
  public static final String SOURCE = "commands";

  public static final String DETAIL_REQUESTED_BY = "requestedBy";
  public static final String DETAIL_RECORD = "record";
  public static final String DETAIL_CANCELLED = "cancelled";
  public static final String DETAIL_SNAPSHOT_ID = "snapshotId";
  public static final String DETAIL_TARGET = "target";
  public static final String DETAIL_KIND = "kind";

  public static final String REASON_DUPLICATE = "delivered again: a command runs once";

  private static final Set<AuditOutcome> TERMINAL =
      Set.of(AuditOutcome.REJECTED, AuditOutcome.SUCCEEDED, AuditOutcome.PARTIALLY_FAILED, AuditOutcome.FAILED);

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
    return TERMINAL.contains(outcome);
  }

  /** True for an event the commands worker wrote about a command (not a snapshot's or a component's). */
  public static boolean isCommandEvent(AuditEvent event) {
    return event.getAction().startsWith("command.") && SOURCE.equals(event.getHeader().getSource());
  }
}
