package dev.lifeboat.commands;

import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.commands.ApplicationVolumes.Claim;
import dev.lifeboat.commands.PodHooks.Hook;
import dev.lifeboat.commands.PodHooks.OnError;
import dev.lifeboat.commands.PodHooks.Phase;
import dev.lifeboat.events.v1.RequestReason;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.schedule.VolumePolicies;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One recovery point of the application in a namespace ({@code lifeboat snapshots now -n shop}): the
 * pre hooks its running pods declare, then one request per snapshot (the namespace's resources and
 * every bound claim's volume) sent together and waited for together, then the post hooks, which run
 * whatever happened once the hook phase began. The outcome lists every snapshot id. See DESIGN.md,
 * "Application recovery points".
 */
final class ApplicationSnapshot {

  /** Sends one request and waits for Kafka's acknowledgement (CommandJobs#send). */
  @FunctionalInterface
  interface Sender {
    void send(String requestId, String topic, String key, Object request) throws Exception;
  }

  private final KubernetesClient client;
  private final OutcomeTracker tracker;
  private final EventFactory events;
  private final CommandsSettings settings;
  private final Sender sender;

  ApplicationSnapshot(KubernetesClient client, OutcomeTracker tracker, EventFactory events, CommandsSettings settings,
      Sender sender) {
    this.client = client;
    this.tracker = tracker;
    this.events = events;
    this.settings = settings;
    this.sender = sender;
  }

  CommandOutcome take(String namespace, boolean withHooks, Execution execution) throws Exception {
    List<Pod> pods = new ArrayList<>(client.pods().inNamespace(namespace).list().getItems());
    pods.sort(Comparator.comparing(p -> p.getMetadata().getName()));
    PodHooks.Declared hooks = withHooks ? PodHooks.of(pods) : new PodHooks.Declared(List.of(), List.of());
    if (!hooks.problems().isEmpty()) {
      return CommandOutcome.failed("the hooks of " + namespace + " cannot be read, so nothing was run or snapshotted: "
          + String.join("; ", hooks.problems()), Map.of(ApplicationOutcome.NAMESPACE, namespace));
    }
    List<Claim> claims = ApplicationVolumes.of(client, namespace, pods, new VolumePolicies(settings.volumePolicies()));
    HookRunner runner = new HookRunner(client);
    ApplicationOutcome outcome = new ApplicationOutcome(namespace);
    for (Hook hook : hooks.of(Phase.PRE)) {
      if (execution.token().isCancelled()) {
        outcome.stopped(execution.token().reason());
        break;
      }
      HookRunner.Result r = run(runner, hook, pods, execution, outcome);
      if (r != null && !r.ok() && hook.onError() == OnError.FAIL) {
        outcome.preHookFailed(r);
        break;
      }
    }
    if (!outcome.stoppedBeforeSnapshots() && !execution.token().isCancelled()) {
      try {
        snapshots(namespace, claims, execution, outcome);
      } catch (Exception e) {
        outcome.requestsFailed(ErrorClassifier.describe(e));
      }
    } else if (execution.token().isCancelled() && !outcome.stoppedBeforeSnapshots()) {
      outcome.stopped(execution.token().reason());
    }
    for (Hook hook : hooks.of(Phase.POST)) {
      run(runner, hook, pods, execution, outcome);
    }
    return outcome.toOutcome(claims);
  }

  /** Runs a hook of a running pod (skips, with an INFO event, one whose pod is not running); null when skipped. */
  private static HookRunner.Result run(HookRunner runner, Hook hook, List<Pod> pods, Execution execution,
      ApplicationOutcome outcome) {
    Pod pod = pods.stream().filter(p -> p.getMetadata().getName().equals(hook.pod())).findFirst().orElseThrow();
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if (!"Running".equals(phase) || pod.getSpec().getNodeName() == null) {
      runner.skipped(hook, "skipped: pod " + hook.pod() + " is not running (" + phase + ")", execution);
      outcome.hookSkipped(hook);
      return null;
    }
    HookRunner.Result r = runner.run(hook, execution);
    outcome.hookRan(r);
    return r;
  }

  /** Sends every request (awaits registered first, so no answer is missed), then waits for all answers. */
  private void snapshots(String namespace, List<Claim> claims, Execution execution, ApplicationOutcome outcome)
      throws Exception {
    String id = execution.commandId();
    Map<String, SnapshotRequested> requests = new LinkedHashMap<>();
    requests.put(ApplicationOutcome.RESOURCES, SnapshotRequested.newBuilder().setHeader(events.header(id))
        .setRequestId(id + "/resources").setKind(SnapshotKind.RESOURCES).setTarget(namespace)
        .setReason(RequestReason.COMMAND).build());
    for (Claim claim : claims) {
      if (claim.skipped() != null) {
        outcome.claimSkipped(claim, claim.skipped());
      } else if (claim.problem() != null) {
        outcome.claimFailed(claim, claim.problem());
      } else {
        requests.put(ApplicationOutcome.VOLUME + claim.name(), SnapshotRequested.newBuilder()
            .setHeader(events.header(id)).setRequestId(id + "/volume/" + claim.uid()).setKind(SnapshotKind.VOLUME)
            .setTarget(claim.uid()).setReason(RequestReason.COMMAND).setNode(claim.node()).setNodePath(claim.nodePath())
            .setParameters(claim.parameters()).build());
      }
    }
    Map<String, CompletableFuture<Object>> answers = new LinkedHashMap<>();
    requests.forEach((name, request) -> answers.put(name, tracker.await(request.getRequestId())));
    execution.token().onCancel(() -> answers.values().forEach(f -> f.completeExceptionally(
        new CancellationToken.CancelledException(execution.token().reason()))));
    try {
      for (Map.Entry<String, SnapshotRequested> e : requests.entrySet()) {
        SnapshotRequested request = e.getValue();
        sender.send(request.getRequestId(), settings.snapshotRequestsTopic(), request.getTarget(), request);
        outcome.requested(e.getKey(), request);
      }
      long deadline = System.nanoTime() + settings.snapshotTimeout().toNanos();
      for (Map.Entry<String, CompletableFuture<Object>> e : answers.entrySet()) {
        if (!outcome.wasRequested(e.getKey())) {
          continue;
        }
        try {
          outcome.answered(e.getKey(), e.getValue().get(Math.max(0, deadline - System.nanoTime()),
              java.util.concurrent.TimeUnit.NANOSECONDS));
        } catch (java.util.concurrent.TimeoutException timeout) {
          outcome.unanswered(e.getKey(), "no answer within " + settings.snapshotTimeout() + " (is a snapshotter serving "
              + settings.snapshotRequestsTopic() + "? the request stays there)");
        } catch (java.util.concurrent.ExecutionException failed) {
          outcome.unanswered(e.getKey(), ErrorClassifier.describe(failed.getCause()));
        }
      }
    } finally {
      requests.values().forEach(r -> tracker.forget(r.getRequestId()));
    }
  }
}
