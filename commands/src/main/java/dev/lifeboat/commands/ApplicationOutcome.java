package dev.lifeboat.commands;

import dev.lifeboat.commands.ApplicationVolumes.Claim;
import dev.lifeboat.commands.PodHooks.Hook;
import dev.lifeboat.commands.PodHooks.Phase;
import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotFailed;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.events.v1.SnapshotRequested;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What an application recovery point came to, put together as it happens: each hook's result, each
 * snapshot's answer (or why it was not asked or not answered), and at the end one outcome whose
 * details name every snapshot: {@code resources} and {@code volume.<claim>} hold a snapshot id, or
 * {@code failed: ...} / {@code skipped: ...}; {@code snapshotIds} lists the ids taken.
 */
final class ApplicationOutcome {
  static final String NAMESPACE = "namespace";
  static final String RESOURCES = "resources";
  static final String VOLUME = "volume.";
  static final String SNAPSHOT_IDS = "snapshotIds";

  private final String namespace;
  private final Map<String, String> snapshots = new LinkedHashMap<>();
  private final Set<String> requested = new LinkedHashSet<>();
  private final List<String> snapshotProblems = new ArrayList<>();
  private final List<String> snapshotIds = new ArrayList<>();
  private final List<HookRunner.Result> hooks = new ArrayList<>();
  private int skippedHooks;
  private HookRunner.Result fatalPreHook;
  private String stopped;
  private String requestsFailed;

  ApplicationOutcome(String namespace) {
    this.namespace = namespace;
  }

  void hookRan(HookRunner.Result result) {
    hooks.add(result);
  }

  void hookSkipped(Hook hook) {
    skippedHooks++;
  }

  void preHookFailed(HookRunner.Result result) {
    fatalPreHook = result;
  }

  void stopped(String reason) {
    stopped = reason;
  }

  boolean stoppedBeforeSnapshots() {
    return fatalPreHook != null || stopped != null;
  }

  void requestsFailed(String reason) {
    requestsFailed = reason;
  }

  void claimSkipped(Claim claim, String reason) {
    snapshots.put(VOLUME + claim.name(), "skipped: " + reason);
  }

  void claimFailed(Claim claim, String reason) {
    snapshots.put(VOLUME + claim.name(), "failed: " + reason);
    snapshotProblems.add("claim " + claim.key() + ": " + reason);
  }

  void requested(String name, SnapshotRequested request) {
    requested.add(name);
  }

  boolean wasRequested(String name) {
    return requested.contains(name);
  }

  void answered(String name, Object answer) {
    if (answer instanceof SnapshotCompleted c) {
      snapshots.put(name, c.getSnapshotId());
      snapshotIds.add(c.getSnapshotId());
      if (c.getPhase() == SnapshotPhase.PARTIALLY_FAILED) {
        snapshotProblems.add(name + " snapshot " + c.getSnapshotId() + " is partial: " + c.getFailedItemCount()
            + " items could not be read");
      }
    } else if (answer instanceof SnapshotFailed f) {
      unanswered(name, f.getReason());
    } else if (answer instanceof AuditEvent coalesced) {
      String id = coalesced.getDetails().get(CommandAudit.DETAIL_SNAPSHOT_ID);
      snapshots.put(name, id != null ? id : "covered by a snapshot that started after the request");
    } else {
      unanswered(name, "unexpected answer " + answer);
    }
  }

  void unanswered(String name, String reason) {
    snapshots.put(name, "failed: " + reason);
    snapshotProblems.add(name + ": " + reason);
  }

  CommandOutcome toOutcome(List<Claim> claims) {
    Map<String, String> details = new LinkedHashMap<>();
    details.put(NAMESPACE, namespace);
    List<HookRunner.Result> failedHooks = hooks.stream().filter(h -> !h.ok()).toList();
    details.put("hooksRun", Integer.toString(hooks.size()));
    details.put("hooksFailed", Integer.toString(failedHooks.size()));
    details.put("hooksSkipped", Integer.toString(skippedHooks));
    details.put("claims", Integer.toString(claims.size()));
    details.putAll(snapshots);
    details.put(SNAPSHOT_IDS, String.join(",", snapshotIds));
    details.put("snapshots", Integer.toString(snapshotIds.size()));
    details.put("failedSnapshots", Integer.toString(snapshotProblems.size()));
    String postHooks = postHookSummary();
    if (fatalPreHook != null) {
      return CommandOutcome.failed("recovery point of " + namespace + " not taken: the " + fatalPreHook.describe()
          + " (on-error Fail), so no snapshot was requested" + postHooks, details);
    }
    if (stopped != null) {
      return CommandOutcome.failed(stopped + "; " + describeSnapshots() + postHooks, details);
    }
    if (requestsFailed != null) {
      return CommandOutcome.failed("the snapshot requests of " + namespace + " could not all be sent (" + requestsFailed
          + "); " + describeSnapshots() + postHooks, details);
    }
    List<String> problems = new ArrayList<>();
    // a pre hook that failed here had on-error Continue (Fail stopped before the snapshots)
    failedHooks.forEach(h -> problems.add("the " + h.describe()
        + (h.hook().phase() == Phase.PRE ? " (on-error Continue: the snapshots were taken all the same)" : "")));
    problems.addAll(snapshotProblems);
    if (problems.isEmpty()) {
      return CommandOutcome.succeeded("recovery point of " + namespace + ": " + describeSnapshots() + ", between "
          + hooks.size() + " hooks", details);
    }
    String what = "recovery point of " + namespace + ": " + describeSnapshots() + "; " + String.join("; ", problems);
    return snapshotIds.isEmpty() ? CommandOutcome.failed(what, details) : CommandOutcome.partiallyFailed(what, details);
  }

  private String describeSnapshots() {
    String resources = snapshots.get(RESOURCES);
    long volumes = snapshots.entrySet().stream().filter(e -> e.getKey().startsWith(VOLUME)
        && snapshotIds.contains(e.getValue())).count();
    return "resources " + (resources == null ? "not requested" : resources) + ", " + volumes + " volume snapshots";
  }

  private String postHookSummary() {
    long post = hooks.stream().filter(h -> h.hook().phase() == Phase.POST).count();
    long failed = hooks.stream().filter(h -> h.hook().phase() == Phase.POST && !h.ok()).count();
    return post == 0 ? "" : "; " + post + " post hooks ran" + (failed == 0 ? "" : ", " + failed + " failed");
  }
}
