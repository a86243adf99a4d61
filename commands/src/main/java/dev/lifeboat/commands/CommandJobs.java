package dev.lifeboat.commands;

import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.RequestReason;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotFailed;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.events.v1.SnapshotVerified;
import dev.lifeboat.events.v1.VerificationCheck;
import dev.lifeboat.events.v1.VerificationOutcome;
import dev.lifeboat.events.v1.VerificationRequested;
import dev.lifeboat.runtime.WorkerContext;
import dev.lifeboat.commands.CancellationToken.CancelledException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The work of each kind of command. */
final class CommandJobs {
  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration CANCEL_WAIT = Duration.ofMinutes(10);

  private final WorkerContext worker;
  private final EventFactory events;
  private final OutcomeTracker tracker;
  private final RestoreService restores;
  private final CommandsSettings settings;
  private final TargetClusters targets;

  CommandJobs(WorkerContext worker, EventFactory events, OutcomeTracker tracker,
      RestoreService restores, CommandsSettings settings, TargetClusters targets) {
    this.worker = worker;
    this.events = events;
    this.tracker = tracker;
    this.restores = restores;
    this.settings = settings;
    this.targets = targets;
  }

  CommandJob restore(ValidatedRestore restore) {
    Map<String, String> start = new LinkedHashMap<>();
    start.put("targetCluster", restore.targetCluster());
    if (restore.dryRun()) {
      start.put("dryRun", "true");
    }
    return execution -> execution.runBlocking(start,
        () -> restores.restore(restore, execution, execution.token()).toOutcome());
  }

  /** Asks the snapshotter (reason COMMAND, request id = command id) and waits for its answer on the snapshots topic. */
  CommandJob snapshotNow(SnapshotKind kind, String target) {
    return execution -> {
      String id = execution.commandId();
      CompletableFuture<Object> answer = tracker.await(id);
      SnapshotRequested request = SnapshotRequested.newBuilder().setHeader(events.header(id)).setRequestId(id)
          .setKind(kind).setTarget(target).setReason(RequestReason.COMMAND).build();
      send(id, settings.snapshotRequestsTopic(), target, request);
      execution.started(Map.of("requestId", id, CommandAudit.DETAIL_KIND, kind.name(), CommandAudit.DETAIL_TARGET, target));
      return waitFor(answer, execution, settings.snapshotTimeout(), "no snapshot of " + kind + "/" + target
          + " was reported within " + settings.snapshotTimeout() + " (is a snapshotter serving "
          + settings.snapshotRequestsTopic() + "? the request stays there)")
          .thenApply(CommandJobs::snapshotOutcome);
    };
  }

  /**
   * One recovery point of the application in {@code namespace} (see {@link ApplicationSnapshot}): it
   * runs on the command executor, as a restore does, because hooks are exec'd and waited for.
   */
  CommandJob application(String namespace, boolean hooks) {
    return execution -> execution.runBlocking(Map.of(ApplicationOutcome.NAMESPACE, namespace, "hooks",
        Boolean.toString(hooks)), () -> new ApplicationSnapshot(targets.client(null), tracker, events, settings,
            this::send).take(namespace, hooks, execution));
  }

  /**
   * Asks the verifier with a {@code VerificationRequested} (request id = command id; see DESIGN.md)
   * and waits for a SnapshotVerified correlated with the command.
   */
  CommandJob verifyNow(String snapshotId, String target, String requestedBy) {
    return execution -> {
      String id = execution.commandId();
      CompletableFuture<Object> answer = tracker.await(id);
      VerificationRequested request = VerificationRequested.newBuilder().setHeader(events.header(id)).setRequestId(id)
          .setRequestedBy(requestedBy).setSnapshotId(snapshotId).setTarget(target).build();
      send(id, settings.verificationRequestsTopic(), id, request);
      execution.started(Map.of("requestId", id));
      return waitFor(answer, execution, settings.verifyTimeout(), "no verification was reported within "
          + settings.verifyTimeout() + " (is a verifier running?)").thenApply(CommandJobs::verificationOutcome);
    };
  }

  /** Sends a request and waits for the broker's acknowledgement; on failure nothing waits for its answer any more. */
  private void send(String commandId, String topic, String key, Object request) throws Exception {
    try {
      worker.producer().send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8),
          worker.serializer().serialize(topic, request))).get(SEND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      tracker.forget(commandId);
      throw e;
    }
  }

  /** Cancels a running command and waits until it stopped. */
  CommandJob cancel(CommandRunner.Running target, String requestedBy) {
    return execution -> {
      String victim = target.command().commandId();
      execution.started(Map.of("commandToCancel", victim));
      target.token().cancel("cancelled by command " + execution.commandId() + " (requested by " + requestedBy + ")");
      return within(target.finished(), CANCEL_WAIT, "command " + victim + " has not stopped within " + CANCEL_WAIT
          + "; it stops at its next step").thenApply(result -> {
            Map<String, String> details = Map.of("commandToCancel", victim, "itsOutcome", result.outcome().name());
            return "true".equals(result.details().get(CommandAudit.DETAIL_CANCELLED))
                ? CommandOutcome.succeeded("command " + victim + " stopped: " + result.reason(), details)
                : CommandOutcome.failed("command " + victim + " finished (" + result.outcome() + ") before the cancellation"
                    + " reached it", details);
          });
    };
  }

  private CompletableFuture<Object> waitFor(CompletableFuture<Object> answer, Execution execution, Duration timeout,
      String timeoutMessage) {
    String id = execution.commandId();
    execution.token().onCancel(() -> answer.completeExceptionally(new CancelledException(execution.token().reason())));
    return within(answer, timeout, timeoutMessage).whenComplete((v, e) -> tracker.forget(id));
  }

  private static <T> CompletableFuture<T> within(CompletableFuture<T> future, Duration timeout, String message) {
    CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .execute(() -> future.completeExceptionally(new TimeoutException(message)));
    return future;
  }

  static CommandOutcome snapshotOutcome(Object answer) {
    Map<String, String> details = new LinkedHashMap<>();
    if (answer instanceof SnapshotCompleted c) {
      details.put(CommandAudit.DETAIL_SNAPSHOT_ID, c.getSnapshotId());
      details.put("bytes", Long.toString(c.getTotalBytes()));
      details.put("newBytes", Long.toString(c.getNewBytes()));
      details.put("items", Long.toString(c.getItemCount()));
      details.put("failedItems", Long.toString(c.getFailedItemCount()));
      details.put("durationMillis", Long.toString(c.getDurationMillis()));
      String what = "snapshot " + c.getSnapshotId() + " of " + c.getKind() + "/" + c.getTarget();
      return c.getPhase() == SnapshotPhase.PARTIALLY_FAILED
          ? CommandOutcome.partiallyFailed(what + " completed, but " + c.getFailedItemCount() + " items could not be read", details)
          : CommandOutcome.succeeded(what + " completed", details);
    }
    if (answer instanceof SnapshotFailed f) {
      details.put(CommandAudit.DETAIL_SNAPSHOT_ID, f.getSnapshotId());
      details.put("retriable", Boolean.toString(f.getRetriable()));
      return CommandOutcome.failed("snapshot of " + f.getKind() + "/" + f.getTarget() + " failed: " + f.getReason(), details);
    }
    if (answer instanceof AuditEvent coalesced) {
      return CommandOutcome.succeeded("a snapshot of " + coalesced.getSubject() + " that started after the request covers it",
          coalesced.getDetails());
    }
    return CommandOutcome.failed("unexpected answer " + answer);
  }

  static CommandOutcome verificationOutcome(Object answer) {
    if (!(answer instanceof SnapshotVerified v)) {
      return CommandOutcome.failed("unexpected answer " + answer);
    }
    Map<String, String> details = new LinkedHashMap<>();
    details.put(CommandAudit.DETAIL_SNAPSHOT_ID, v.getSnapshotId());
    details.put("store", v.getStore());
    details.put("scratchTarget", v.getScratchTarget());
    details.put("checks", Integer.toString(v.getChecks().size()));
    long failed = v.getChecks().stream().filter(c -> !c.getPassed()).count();
    details.put("failedChecks", Long.toString(failed));
    details.put("durationMillis", Long.toString(v.getDurationMillis()));
    if (v.getOutcome() == VerificationOutcome.CHECKED_NOT_RESTORED && failed == 0) {
      details.put("outcome", v.getOutcome().name());
      return CommandOutcome.partiallyFailed("snapshot " + v.getSnapshotId() + " passed " + v.getChecks().size()
          + " checks but was not restored (" + v.getScratchTarget() + "): nothing is proven by a restore", details);
    }
    if (v.getPassed() && v.getOutcome() != VerificationOutcome.FAILED) {
      return CommandOutcome.succeeded("snapshot " + v.getSnapshotId() + " restored from " + v.getStore() + " and passed "
          + v.getChecks().size() + " checks", details);
    }
    String firstFailed = v.getChecks().stream().filter(c -> !c.getPassed()).map(VerificationCheck::getName).findFirst().orElse("-");
    return CommandOutcome.failed("snapshot " + v.getSnapshotId() + " failed verification (" + failed + " of "
        + v.getChecks().size() + " checks failed, first: " + firstFailed + ")", details);
  }
}
