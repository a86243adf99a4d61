package dev.lifeboat.commands;

import dev.lifeboat.crypto.KeyRing;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.restore.ResourceRestorePlan;
import dev.lifeboat.restore.ResourceRestoreReport;
import dev.lifeboat.restore.RestoreEngine;
import dev.lifeboat.restore.RestoreSource;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Restore commands of kind RESOURCES, dry runs included, through the restore engine ({@link
 * RestoreEngine}): a snapshot, or the state at an instant, into the named target cluster, with the
 * command's filters, namespace mapping and conflict policy. Progress goes to the command's audit
 * events; a cancelled command stops at the next progress update.
 */
final class EngineResourceRestore implements RestoreService {
  private final RestoreData data;
  private final TargetClusters targets;
  private final KeyRing keys;

  /** @param keys the data keys that unseal secrets; null when the configuration has none */
  EngineResourceRestore(RestoreData data, TargetClusters targets, KeyRing keys) {
    this.data = data;
    this.targets = targets;
    this.keys = keys;
  }

  @Override
  public Result restore(ValidatedRestore r, Progress progress, CancellationToken cancellation) throws Exception {
    Repository repository = data.require();
    repository.chunks().refresh();
    RestoreEngine engine = new RestoreEngine(new RestoreSource(repository, data.segments(), Optional.ofNullable(keys)));
    ResourceRestorePlan.Builder plan = r.source() instanceof ValidatedRestore.Snapshot s
        ? ResourceRestorePlan.fromSnapshot(r.cluster(), s.snapshotId())
        : ResourceRestorePlan.atTime(r.cluster(), ((ValidatedRestore.StateAt) r.source()).at());
    plan.namespaces(r.namespaces()).kinds(r.kinds()).labelSelector(r.labelSelector())
        .namespaceMapping(r.namespaceMapping()).conflictPolicy(r.conflictPolicy()).dryRun(r.dryRun());
    ResourceRestoreReport report = engine.restoreResources(plan.build(), targets.client(r.targetCluster()), update -> {
      cancellation.throwIfCancelled();
      progress.report(update.done(), update.total() < 0 ? null : update.total(), update.unit());
    });
    Map<String, Long> counts = new LinkedHashMap<>();
    report.counts().forEach((action, n) -> counts.put(action.name().toLowerCase(Locale.ROOT), n));
    AuditOutcome outcome = report.failed() == 0 ? AuditOutcome.SUCCEEDED
        : report.failed() < report.outcomes().size() ? AuditOutcome.PARTIALLY_FAILED : AuditOutcome.FAILED;
    return new Result(outcome, (r.dryRun() ? "dry run: " : "") + report.outcomes().size() + " objects from "
        + report.source() + " into " + r.targetCluster(), counts,
        Map.of("namespacesCreated", String.join(",", report.namespacesCreated())));
  }
}
