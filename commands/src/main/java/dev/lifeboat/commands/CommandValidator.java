package dev.lifeboat.commands;

import dev.lifeboat.commands.v1.Cancel;
import dev.lifeboat.commands.v1.Command;
import dev.lifeboat.commands.v1.Restore;
import dev.lifeboat.commands.v1.SnapshotNow;
import dev.lifeboat.commands.v1.VerifyNow;
import dev.lifeboat.retry.ErrorClassifier;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * Decides whether a command is accepted. Fields first (ids, names, combinations that make no
 * sense), then what they refer to: the snapshot must exist, an instant must not be before the oldest
 * retained data, the target cluster must be known, a namespace mapped onto must not exist when the
 * conflict policy is SKIP, a cancelled command must be running. Questions to the repository or a
 * target cluster get {@code dataTimeout}; a store or API server that does not answer rejects the
 * command with that reason rather than stall the commands partition.
 */
final class CommandValidator implements AutoCloseable {
  static final Pattern COMMAND_ID = Pattern.compile("[\\x21-\\x7e]{1,128}");
  static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern SNAPSHOT_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
  /** How far in the future an instant may be (clocks differ). */
  private static final Duration CLOCK_SKEW = Duration.ofMinutes(1);

  /** What validation decided. */
  sealed interface Decision permits Accepted, Rejected {}

  record Accepted(String subject, Map<String, String> details, CommandJob job) implements Decision {}

  record Rejected(String subject, String reason) implements Decision {}

  private final RestoreValidator restores;
  private final TargetClusters targets;
  private final CommandLedger ledger;
  private final CommandRunner runner;
  private final CommandJobs jobs;
  private final Duration dataTimeout;
  private final ExecutorService lookups = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "lifeboat-command-validation");
    t.setDaemon(true);
    return t;
  });

  CommandValidator(RestoreData data, TargetClusters targets, CommandLedger ledger, CommandRunner runner, CommandJobs jobs,
      Duration dataTimeout, Clock clock) {
    this.restores = new RestoreValidator(data, targets, clock, CLOCK_SKEW);
    this.targets = targets;
    this.ledger = ledger;
    this.runner = runner;
    this.jobs = jobs;
    this.dataTimeout = dataTimeout;
  }

  /** What a command is about, for its audit events, however malformed it is. */
  static String subject(Command command) {
    Object action = command.getAction();
    if (action instanceof Restore r) {
      return RestoreValidator.subject(r);
    }
    if (action instanceof SnapshotNow s) {
      return s.getApplication() ? "application/" + s.getTarget() : s.getKind() + "/" + s.getTarget();
    }
    if (action instanceof VerifyNow v) {
      return v.getSnapshotId() != null ? v.getSnapshotId() : String.valueOf(v.getTarget());
    }
    if (action instanceof Cancel c) {
      return c.getCommandIdToCancel();
    }
    return "unknown";
  }

  Decision validate(Command command) {
    String subject = subject(command);
    if (command.getRequestedBy() == null || command.getRequestedBy().isBlank()) {
      return new Rejected(subject, "requestedBy is empty: every command says who asked");
    }
    Object action = command.getAction();
    if (action instanceof Restore r) {
      List<String> problems = RestoreValidator.fieldProblems(r);
      if (!problems.isEmpty()) {
        return new Rejected(subject, String.join("; ", problems));
      }
      return withData(subject, () -> {
        RestoreValidator.Checked checked = restores.validate(command, r);
        if (checked.restore() == null) {
          return new Rejected(subject, checked.reason());
        }
        ValidatedRestore v = checked.restore();
        return new Accepted(RestoreValidator.subject(v), details(v), jobs.restore(v));
      });
    }
    if (action instanceof SnapshotNow s) {
      if (s.getTarget() == null || s.getTarget().isBlank()) {
        return new Rejected(subject, "the snapshot target is empty: name a namespace or 'cluster' (resources), 'etcd', or a PVC uid");
      }
      if (s.getTarget().length() > 253 || s.getTarget().chars().anyMatch(ch -> ch < 0x21 || ch > 0x7e)) {
        return new Rejected(subject, "the snapshot target must be 1-253 printable characters without spaces");
      }
      if (s.getApplication()) {
        return application(subject, s);
      }
      if (s.getKind() == dev.lifeboat.events.v1.SnapshotKind.VOLUME) {
        return new Rejected(subject, "a volume is snapshotted by its volume policy, from the node that mounts it:"
            + " SnapshotNow takes RESOURCES and ETCD snapshots");
      }
      return new Accepted(subject, Map.of(CommandAudit.DETAIL_KIND, s.getKind().name(), CommandAudit.DETAIL_TARGET,
          s.getTarget()), jobs.snapshotNow(s.getKind(), s.getTarget()));
    }
    if (action instanceof VerifyNow v) {
      return verifyNow(subject, v, command.getRequestedBy());
    }
    if (action instanceof Cancel c) {
      return cancel(command, subject, c);
    }
    return new Rejected(subject, "unknown action " + action);
  }

  /**
   * An application recovery point: kind RESOURCES, a namespace name as target (not {@code cluster},
   * which names the whole cluster), and the namespace must exist in the protected cluster.
   */
  private Decision application(String subject, SnapshotNow s) {
    String namespace = s.getTarget();
    if (s.getKind() != dev.lifeboat.events.v1.SnapshotKind.RESOURCES || !DNS_LABEL.matcher(namespace).matches()
        || namespace.equals("cluster")) {
      return new Rejected(subject, "an application recovery point is of kind RESOURCES with a namespace as target"
          + " ('" + namespace + "' of kind " + s.getKind() + " is not)");
    }
    String appSubject = "application/" + namespace;
    return withData(appSubject, () -> {
      if (!targets.namespaceExists(null, namespace)) {
        return new Rejected(appSubject, "namespace " + namespace + " does not exist in the protected cluster");
      }
      Map<String, String> details = new LinkedHashMap<>();
      details.put(CommandAudit.DETAIL_KIND, "APPLICATION");
      details.put(CommandAudit.DETAIL_TARGET, namespace);
      details.put("hooks", Boolean.toString(s.getHooks()));
      return new Accepted(appSubject, details, jobs.application(namespace, s.getHooks()));
    });
  }

  private Decision verifyNow(String subject, VerifyNow v, String requestedBy) {
    if (v.getSnapshotId() == null && (v.getTarget() == null || v.getTarget().isBlank())) {
      return new Rejected(subject, "name the snapshot to verify, or a target whose latest snapshot to verify");
    }
    if (v.getSnapshotId() != null && !SNAPSHOT_ID.matcher(v.getSnapshotId()).matches()) {
      return new Rejected(subject, "'" + v.getSnapshotId() + "' is not a snapshot id");
    }
    if (v.getSnapshotId() != null && restores.data() != null) {
      return withData(subject, () -> restores.data().snapshot(v.getSnapshotId()).isEmpty()
          ? new Rejected(subject, "unknown snapshot " + v.getSnapshotId() + ": the repository has no manifest of that id")
          : accepted(subject, v, requestedBy));
    }
    return accepted(subject, v, requestedBy);
  }

  private Accepted accepted(String subject, VerifyNow v, String requestedBy) {
    Map<String, String> details = new LinkedHashMap<>();
    if (v.getSnapshotId() != null) {
      details.put(CommandAudit.DETAIL_SNAPSHOT_ID, v.getSnapshotId());
    }
    if (v.getTarget() != null) {
      details.put(CommandAudit.DETAIL_TARGET, v.getTarget());
    }
    return new Accepted(subject, details, jobs.verifyNow(v.getSnapshotId(), v.getTarget(), requestedBy));
  }

  private Decision cancel(Command command, String subject, Cancel c) {
    String victim = c.getCommandIdToCancel();
    if (victim == null || !COMMAND_ID.matcher(victim).matches()) {
      return new Rejected(subject, "the id of the command to cancel is empty or not printable ASCII (1-128 characters)");
    }
    if (victim.equals(command.getCommandId())) {
      return new Rejected(subject, "a Cancel cannot cancel itself");
    }
    Optional<CommandRunner.Running> running = runner.find(victim);
    if (running.isPresent()) {
      return new Accepted(subject, Map.of("commandToCancel", victim), jobs.cancel(running.get(), command.getRequestedBy()));
    }
    CommandLedger.State state = ledger.state(victim);
    return new Rejected(subject, state == CommandLedger.State.DONE
        ? "command " + victim + " is not running: it already finished"
        : "no command " + victim + " is running here");
  }

  private static Map<String, String> details(ValidatedRestore v) {
    Map<String, String> details = new LinkedHashMap<>();
    details.put(CommandAudit.DETAIL_KIND, v.kind().name());
    if (v.source() instanceof ValidatedRestore.Snapshot s) {
      details.put(CommandAudit.DETAIL_SNAPSHOT_ID, s.snapshotId());
    }
    if (!v.namespaces().isEmpty()) {
      details.put("namespaces", String.join(",", v.namespaces()));
    }
    if (!v.storageClassMapping().isEmpty()) {
      details.put("storageClassMapping", v.storageClassMapping().toString());
    }
    if (!v.namespaceMapping().isEmpty()) {
      details.put("namespaceMapping", v.namespaceMapping().toString());
    }
    details.put("targetCluster", v.targetCluster());
    if (v.targetPath() != null) {
      details.put("targetPath", v.targetPath());
    }
    details.put("conflictPolicy", v.conflictPolicy().name());
    details.put("dryRun", Boolean.toString(v.dryRun()));
    return details;
  }

  /** Runs a check that asks the repository or a cluster, within {@code dataTimeout}. */
  private Decision withData(String subject, Callable<Decision> check) {
    Future<Decision> future = lookups.submit(check);
    try {
      return future.get(dataTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      return new Rejected(subject, "the repository or the target cluster did not answer within " + dataTimeout
          + ": the command cannot be checked now; send it again later");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Rejected(subject, "interrupted while checking the command");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      return new Rejected(subject, (ErrorClassifier.isRetriable(cause) ? "the command cannot be checked now (send it"
          + " again later): " : "the command cannot be checked: ") + ErrorClassifier.describe(cause));
    }
  }

  @Override
  public void close() {
    lookups.shutdownNow();
  }
}
