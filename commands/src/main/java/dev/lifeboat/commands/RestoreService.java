package dev.lifeboat.commands;

import dev.lifeboat.crypto.KeyRing;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.restore.DataMoverSettings;
import dev.lifeboat.restore.Progress;
import dev.lifeboat.restore.ResourceRestorePlan;
import dev.lifeboat.restore.RestoreDataException;
import dev.lifeboat.restore.RestoreEngine;
import dev.lifeboat.restore.RestoreSource;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Carries out a validated Restore, of every kind and dry runs included, through the restore engine
 * ({@link RestoreEngine}): resources into the named target cluster with the command's filters,
 * mapping and conflict policy; a volume into {@code targetPath}; an etcd snapshot's database as the
 * file {@code targetPath}. Progress goes to the command's audit events. A cancelled command stops at
 * the engine's next progress update (a resource restore before its next object, an etcd database at
 * its next MiB, leaving no file); a volume restore, once its files are being written, runs to its
 * end. What the engine refuses (a target that is not empty, damaged data) is the command's FAILED
 * outcome with the engine's reason; a target that cannot be reached is thrown and fails it likewise.
 */
public final class RestoreService {
  private final RestoreData data;
  private final TargetClusters targets;
  private final KeyRing keys;
  private final DataMoverSettings mover;

  /** @param keys the data keys that unseal secrets; null when the configuration has none */
  public RestoreService(RestoreData data, TargetClusters targets, KeyRing keys) {
    this(data, targets, keys, DataMoverSettings.fromEnvironment());
  }

  /** @param mover how restored claims get their data written; null: they keep new, empty volumes */
  public RestoreService(RestoreData data, TargetClusters targets, KeyRing keys, DataMoverSettings mover) {
    this.data = data;
    this.targets = targets;
    this.keys = keys;
    this.mover = mover;
  }

  /**
   * What a restore did.
   *
   * @param outcome SUCCEEDED, PARTIALLY_FAILED or FAILED
   * @param summary one sentence for the finished event's reason
   * @param counts what was done, by name (objects, create, skip, fail, files, bytes ...)
   * @param details other facts (the snapshot read, gaps in the change log ...)
   */
  record Result(AuditOutcome outcome, String summary, Map<String, Long> counts, Map<String, String> details) {
    Result {
      counts = Collections.unmodifiableMap(new LinkedHashMap<>(counts));
      details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    /** The command's outcome: counts and details together in the finished event's details. */
    CommandOutcome toOutcome() {
      Map<String, String> all = new LinkedHashMap<>();
      counts.forEach((k, v) -> all.put(k, Long.toString(v)));
      all.putAll(details);
      return new CommandOutcome(outcome, summary, all);
    }
  }

  Result restore(ValidatedRestore r, Progress progress, CancellationToken cancellation) throws Exception {
    Repository repository = data.require();
    repository.chunks().refresh();
    RestoreEngine engine = new RestoreEngine(new RestoreSource(repository, data.segments(), Optional.ofNullable(keys)),
        mover);
    Progress stoppable = update -> {
      cancellation.throwIfCancelled();
      progress.report(update);
    };
    return switch (r.kind()) {
      case RESOURCES -> resources(engine, r, stoppable);
      case ETCD -> etcd(engine, r, stoppable);
      case VOLUME -> volume(engine, r, progress, cancellation);
    };
  }

  private Result resources(RestoreEngine engine, ValidatedRestore r, Progress progress) throws Exception {
    try {
      return RestoreResults.resources(r, engine.restoreResources(plan(r), targets.client(r.targetCluster()), progress));
    } catch (RestoreDataException e) {
      return RestoreResults.refused(e, Map.of("source", r.source().describe()));
    }
  }

  private static ResourceRestorePlan plan(ValidatedRestore r) {
    ResourceRestorePlan.Builder plan = r.source() instanceof ValidatedRestore.Snapshot s
        ? ResourceRestorePlan.fromSnapshot(r.cluster(), s.snapshotId())
        : ResourceRestorePlan.atTime(r.cluster(), ((ValidatedRestore.StateAt) r.source()).at());
    return plan.namespaces(r.namespaces()).kinds(r.kinds()).labelSelector(r.labelSelector())
        .namespaceMapping(r.namespaceMapping()).storageClassMapping(r.storageClassMapping())
        .conflictPolicy(r.conflictPolicy()).dryRun(r.dryRun()).volumeData(r.volumeData()).build();
  }

  private static Result etcd(RestoreEngine engine, ValidatedRestore r, Progress progress) throws Exception {
    Manifest manifest = ((ValidatedRestore.Snapshot) r.source()).found().manifest();
    Path target = Path.of(r.targetPath());
    try {
      return r.dryRun() ? RestoreResults.etcdPlan(engine.planEtcdDatabase(manifest, target))
          : RestoreResults.etcd(engine.restoreEtcdDatabase(manifest, target, progress));
    } catch (IllegalArgumentException | RestoreDataException e) {
      return RestoreResults.refused(e, RestoreResults.where(manifest, target));
    }
  }

  /** Cancellation is checked before the files are written; then the restore runs to its end. */
  private static Result volume(RestoreEngine engine, ValidatedRestore r, Progress progress, CancellationToken cancellation)
      throws Exception {
    Manifest manifest = ((ValidatedRestore.Snapshot) r.source()).found().manifest();
    Path target = Path.of(r.targetPath());
    try {
      if (r.dryRun()) {
        return RestoreResults.volumePlan(manifest, engine.planVolume(manifest, target));
      }
      engine.planVolume(manifest, target);
      cancellation.throwIfCancelled();
      return RestoreResults.volume(manifest, engine.restoreVolume(manifest, target, progress));
    } catch (IllegalArgumentException | RestoreDataException e) {
      return RestoreResults.refused(e, RestoreResults.where(manifest, target));
    }
  }
}
