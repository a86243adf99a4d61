package dev.lifeboat.restore;

import dev.lifeboat.repository.changelog.ChangeLog;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What a resource restore did (or, in a dry run, would do), object by object.
 *
 * @param source what was read: {@code snapshot <id>} or {@code <cluster> at <instant>}
 * @param snapshotId the snapshot read (for a point in time: the one it started from; null if the
 *     change log alone was replayed)
 * @param changesApplied archived changes applied on top of the snapshot (point in time only)
 * @param gaps offset ranges the change-log archive lacks (point in time only): when not empty the
 *     state may miss changes
 * @param objectsRead objects read from the repository before selection
 * @param namespacesCreated target namespaces the restore created (or, in a dry run, would create)
 *     because restored objects go there and they did not exist
 * @param namespacesGuarded target namespaces an inert restore guarded ({@link InertTransform#guards})
 *     before writing into them
 * @param outcomes one per selected object, in the order they were restored
 * @param claims what became of the data of each claim the restore created (empty unless the plan
 *     asked for volume data)
 * @param recoveryPoint the newest instant the restored state is known at: a snapshot's cut, or the
 *     time of the newest archived change at or before the instant asked for; null when nothing was
 *     read. The gap between the instant asked for and this is the recovery point actually reached.
 */
public record ResourceRestoreReport(
    String source,
    String snapshotId,
    long changesApplied,
    List<ChangeLog.Gap> gaps,
    long objectsRead,
    boolean dryRun,
    List<String> namespacesCreated,
    List<String> namespacesGuarded,
    List<Outcome> outcomes,
    Duration duration,
    java.time.Instant recoveryPoint,
    List<ClaimData> claims) {

  /**
   * The data of one claim the restore created.
   *
   * @param claim {@code namespace/name} in the target
   * @param snapshotId the volume snapshot written into it (null when none was found)
   * @param snapshotTime when that snapshot was taken
   * @param skew how far it lies before the restore point: the claim's data is that much older than
   *     its objects
   * @param reason why it is empty or what failed; null when filled
   */
  public record ClaimData(String claim, State state, String snapshotId, java.time.Instant snapshotTime, Duration skew,
      long files, long bytes, Duration duration, String reason) {
    /**
     * FILLED with a snapshot's files; FROM_CSI_SNAPSHOT: its data source is a CSI snapshot the target's
     * driver provisions it from (Lifeboat cannot read it back); EMPTY: no snapshot to fill it with, or
     * one the target cannot reach; FAILED: writing the files failed.
     */
    public enum State { FILLED, FROM_CSI_SNAPSHOT, EMPTY, FAILED }

    static ClaimData empty(String claim, String reason) {
      return new ClaimData(claim, State.EMPTY, null, null, null, 0, 0, Duration.ZERO, reason);
    }
  }

  /** What happened to one object. In a dry run: what would happen. */
  public enum Action {
    /** Created in the target. */
    CREATE,
    /** Existed; a JSON merge patch of the restored object was applied (conflict policy UPDATE). */
    UPDATE,
    /** Existed and already held what would be restored. */
    UNCHANGED,
    /** Not restored, on purpose: exists (conflict policy SKIP), or a controller recreates it. */
    SKIP,
    /** Refused by the API server, not served by the target, or its payload could not be unsealed. */
    FAIL
  }

  /**
   * @param group API group, empty for the core group
   * @param namespace the source namespace (null for cluster-scoped objects)
   * @param targetNamespace where it went (after namespace mapping)
   * @param reason why it was skipped or failed; null otherwise
   */
  public record Outcome(Action action, String group, String version, String kind, String namespace, String name,
      String targetNamespace, String reason) {

    /** {@code Deployment shop/web}, {@code Namespace shop}: how logs and evidence name an object. */
    public String describe() {
      return kind + (group.isEmpty() ? "" : "." + group) + " " + (namespace == null ? "" : namespace + "/") + name;
    }
  }

  public ResourceRestoreReport {
    gaps = List.copyOf(gaps);
    namespacesCreated = List.copyOf(namespacesCreated);
    namespacesGuarded = List.copyOf(namespacesGuarded);
    outcomes = List.copyOf(outcomes);
    claims = List.copyOf(claims);
  }

  public Map<Action, Long> counts() {
    Map<Action, Long> counts = new EnumMap<>(Action.class);
    for (Action a : Action.values()) {
      counts.put(a, 0L);
    }
    outcomes.forEach(o -> counts.merge(o.action(), 1L, Long::sum));
    return counts;
  }

  public long created() {
    return count(Action.CREATE);
  }

  public long updated() {
    return count(Action.UPDATE);
  }

  public long unchanged() {
    return count(Action.UNCHANGED);
  }

  public long skipped() {
    return count(Action.SKIP);
  }

  public long failed() {
    return count(Action.FAIL);
  }

  /** Objects an inert restore did not create because nothing in them keeps them from running (bare Pods). */
  public List<Outcome> notRestoredInert() {
    return outcomes.stream().filter(o -> o.action() == Action.SKIP && o.reason() != null
        && o.reason().startsWith(InertTransform.NOT_RESTORED)).toList();
  }

  public List<Outcome> failures() {
    return outcomes.stream().filter(o -> o.action() == Action.FAIL).toList();
  }

  /** Objects the API server accepted (created or updated) per second of the whole restore. */
  public double objectsPerSecond() {
    double seconds = duration.toNanos() / 1e9;
    return seconds <= 0 ? 0 : (created() + updated()) / seconds;
  }

  /** Nothing failed. */
  public boolean succeeded() {
    return failed() == 0;
  }

  private long count(Action action) {
    return outcomes.stream().filter(o -> o.action() == action).count();
  }
}
