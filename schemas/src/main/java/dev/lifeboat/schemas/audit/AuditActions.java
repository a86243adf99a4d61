package dev.lifeboat.schemas.audit;

import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.AuditOutcome;
import java.util.Set;

/**
 * The audit vocabulary, declared once: every action Lifeboat writes to {@code lifeboat.audit}, and
 * which outcomes end a command. Producers and readers (the CLI, dashboards, other languages reading
 * the README) use these names; an action is {@code <subject kind>.<what happened>}.
 */
public final class AuditActions {
  // A component's life: AuditPublisher.component(...) writes them as "component.<action>".
  public static final String COMPONENT = "component.";
  public static final String START = "start";
  public static final String STOP = "stop";
  public static final String CRASH = "crash";
  public static final String RESTART = "restart";
  public static final String THREAD_REPLACED = "thread-replaced";

  // Records the runtime could not process.
  public static final String RECORD_DEAD_LETTERED = "record.dead-lettered";
  public static final String RECORD_RETRYING = "record.retrying";

  // The watcher.
  public static final String WATCHER_PERMISSION_DENIED = "watcher.permission-denied";
  public static final String WATCHER_PUBLISH_REFUSED = "watcher.publish-refused";
  public static final String WATCHER_PUBLISH_RECOVERED = "watcher.publish-recovered";
  public static final String WATCHER_CHANGE_FAILED = "watcher.change-failed";

  // Snapshots and the repository.
  public static final String SNAPSHOT_START = "snapshot.start";
  public static final String SNAPSHOT_COMPLETED = "snapshot.completed";
  public static final String SNAPSHOT_FAILED = "snapshot.failed";
  public static final String SNAPSHOT_COALESCED = "snapshot.coalesced";
  /** A scheduled snapshot request or periodic job (retention, GC) that could not run; it is tried again. */
  public static final String SNAPSHOT_SCHEDULE_FAILED = "snapshot.schedule-failed";
  public static final String REPOSITORY_GC = "repository.gc";

  // Replication.
  public static final String REPLICATION_COMPLETED = "replication.completed";
  public static final String REPLICATION_FAILED = "replication.failed";

  // Verification.
  public static final String VERIFICATION_STARTED = "verification.started";
  public static final String VERIFICATION_PASSED = "verification.passed";
  public static final String VERIFICATION_FAILED = "verification.failed";
  public static final String VERIFICATION_NOT_RESTORED = "verification.not-restored";
  public static final String VERIFICATION_SKIPPED = "verification.skipped";

  // Commands: every event about a command has the command id as its correlation id.
  public static final String COMMAND = "command.";
  public static final String COMMAND_RESTORE = "command.restore";
  public static final String COMMAND_SNAPSHOT_NOW = "command.snapshot-now";
  public static final String COMMAND_VERIFY_NOW = "command.verify-now";
  public static final String COMMAND_CANCEL = "command.cancel";
  public static final String COMMAND_UNKNOWN = "command.unknown";
  /**
   * An application hook run in a pod for an application recovery point ({@code snapshots now -n}): one
   * event per hook, correlated with the command, with pod, container, exit code, duration and a
   * bounded tail of its output. {@code hook.pre} before the snapshots are requested, {@code hook.post}
   * after they were answered.
   */
  public static final String HOOK_PRE = "hook.pre";
  public static final String HOOK_POST = "hook.post";
  /** The source (header) of every event the commands worker writes about a command. */
  public static final String COMMANDS_SOURCE = "commands";

  private static final Set<AuditOutcome> TERMINAL =
      Set.of(AuditOutcome.REJECTED, AuditOutcome.SUCCEEDED, AuditOutcome.PARTIALLY_FAILED, AuditOutcome.FAILED);

  private AuditActions() {}

  /** True for an event the commands worker wrote about a command (not a snapshot's or a component's). */
  public static boolean isCommandEvent(AuditEvent event) {
    return event.getAction().startsWith(COMMAND) && COMMANDS_SOURCE.equals(event.getHeader().getSource());
  }

  /** True for the outcomes after which nothing more is said about a command. */
  public static boolean isTerminal(AuditOutcome outcome) {
    return TERMINAL.contains(outcome);
  }
}
