package dev.lifeboat.restore;

import dev.lifeboat.events.v1.ConflictPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to restore and how: from a resource snapshot ({@link #snapshotId}) or from a point in time
 * ({@link #atTime}: the nearest whole-cluster snapshot at or before it, then the archived change log
 * up to it), which namespaces, kinds and labels, where namespaces go, what to do with objects that
 * exist. Built with {@link #fromSnapshot} or {@link #atTime}, then the builder.
 *
 * @param cluster the protected cluster whose objects are restored (as in record keys)
 * @param snapshotId the snapshot id, or null to restore a point in time
 * @param atTime the instant, or null to restore a snapshot
 * @param namespaces source namespaces to restore; empty: every namespace
 * @param kinds kubectl names ({@code Deployment}, {@code deployments.apps}, {@code configmaps});
 *     empty: every kind
 * @param labelSelector kubectl's syntax ({@code app=web,tier!=cache,env in (a,b),!legacy}); null: any
 * @param namespaceMapping source namespace to target namespace; unmapped ones keep their name
 * @param clusterScoped which cluster-scoped objects to restore
 * @param priorities the restore order by kind (kubectl names); empty: {@link RestorePriorities#DEFAULT}
 * @param namespaceLabels labels added to every namespace the restore creates
 * @param parallelism requests in flight at once within a priority level
 * @param crdTimeout how long to wait for a restored CRD to be established (or served)
 * @param objectLabels labels added to every object the restore creates (the verifier marks its
 *     scratch objects so); each is a {@link FieldChange} of {@value FieldChange#LABELS}
 * @param inert restore nothing that can run, serve or scale ({@link InertTransform}): what a
 *     verification restores
 * @param storageClassMapping source storage class to the target's, for restored claims; unmapped
 *     ones keep theirs
 * @param volumeData fill each claim the restore creates with the newest volume snapshot of the
 *     source claim at or before the restore point, before any workload is restored ({@link ClaimVolumes})
 */
public record ResourceRestorePlan(
    String cluster,
    String snapshotId,
    Instant atTime,
    List<String> namespaces,
    List<String> kinds,
    String labelSelector,
    Map<String, String> namespaceMapping,
    ConflictPolicy conflictPolicy,
    boolean dryRun,
    ClusterScope clusterScoped,
    List<String> priorities,
    Map<String, String> namespaceLabels,
    int parallelism,
    Duration crdTimeout,
    Map<String, String> objectLabels,
    boolean inert,
    Map<String, String> storageClassMapping,
    boolean volumeData) {

  /** Which cluster-scoped objects a restore takes. */
  public enum ClusterScope {
    /** None: namespaced objects only (restoring into scratch namespaces of a shared cluster). */
    NONE,
    /** CustomResourceDefinitions only, so custom resources of the selected namespaces can be restored. */
    DEFINITIONS,
    /** Every cluster-scoped object (Namespaces, CRDs, ClusterRoles, StorageClasses, PVs, ...). */
    ALL
  }

  public static final int DEFAULT_PARALLELISM = 16;
  public static final Duration DEFAULT_CRD_TIMEOUT = Duration.ofSeconds(60);

  public ResourceRestorePlan {
    Objects.requireNonNull(cluster, "cluster");
    if ((snapshotId == null) == (atTime == null)) {
      throw new IllegalArgumentException("a restore plan names either a snapshot id or a point in time, not "
          + (snapshotId == null ? "neither" : "both"));
    }
    namespaces = List.copyOf(namespaces);
    kinds = List.copyOf(kinds);
    namespaceMapping = Map.copyOf(namespaceMapping);
    priorities = List.copyOf(priorities);
    namespaceLabels = Map.copyOf(namespaceLabels);
    objectLabels = Map.copyOf(objectLabels);
    storageClassMapping = Map.copyOf(storageClassMapping);
    Objects.requireNonNull(conflictPolicy, "conflictPolicy");
    Objects.requireNonNull(clusterScoped, "clusterScoped");
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be at least 1, was " + parallelism);
    }
    new LabelSelector(labelSelector); // refuses a malformed selector here, not half-way through a restore
  }

  public static Builder fromSnapshot(String cluster, String snapshotId) {
    return new Builder(cluster, Objects.requireNonNull(snapshotId, "snapshotId"), null);
  }

  public static Builder atTime(String cluster, Instant at) {
    return new Builder(cluster, null, Objects.requireNonNull(at, "at"));
  }

  /** The namespace a source namespace is restored into. */
  public String targetNamespace(String sourceNamespace) {
    return sourceNamespace == null ? null : namespaceMapping.getOrDefault(sourceNamespace, sourceNamespace);
  }

  /** The storage class a restored claim of {@code sourceClass} asks for. */
  public String targetStorageClass(String sourceClass) {
    return sourceClass == null ? null : storageClassMapping.getOrDefault(sourceClass, sourceClass);
  }

  /** {@code snapshot <id>} or {@code <cluster> at <instant>}: what the restore reads, for reports. */
  public String describeSource() {
    return snapshotId != null ? "snapshot " + snapshotId : cluster + " at " + atTime;
  }

  /** Fluent construction; every setting has a default. */
  public static final class Builder {
    private final String cluster;
    private final String snapshotId;
    private final Instant atTime;
    private List<String> namespaces = List.of();
    private List<String> kinds = List.of();
    private String labelSelector;
    private Map<String, String> namespaceMapping = Map.of();
    private Map<String, String> storageClassMapping = Map.of();
    private boolean volumeData;
    private ConflictPolicy conflictPolicy = ConflictPolicy.SKIP;
    private boolean dryRun;
    private ClusterScope clusterScoped;
    private List<String> priorities = List.of();
    private Map<String, String> namespaceLabels = Map.of();
    private int parallelism = DEFAULT_PARALLELISM;
    private Duration crdTimeout = DEFAULT_CRD_TIMEOUT;
    private Map<String, String> objectLabels = Map.of();
    private boolean inert;

    private Builder(String cluster, String snapshotId, Instant atTime) {
      this.cluster = cluster;
      this.snapshotId = snapshotId;
      this.atTime = atTime;
    }

    public Builder namespaces(List<String> value) {
      this.namespaces = value;
      return this;
    }

    public Builder kinds(List<String> value) {
      this.kinds = value;
      return this;
    }

    public Builder labelSelector(String value) {
      this.labelSelector = value == null || value.isBlank() ? null : value;
      return this;
    }

    public Builder namespaceMapping(Map<String, String> value) {
      this.namespaceMapping = new LinkedHashMap<>(value);
      return this;
    }

    public Builder conflictPolicy(ConflictPolicy value) {
      this.conflictPolicy = value;
      return this;
    }

    public Builder dryRun(boolean value) {
      this.dryRun = value;
      return this;
    }

    /** Default: {@link ClusterScope#ALL} without a namespace filter, {@link ClusterScope#DEFINITIONS} with one. */
    public Builder clusterScoped(ClusterScope value) {
      this.clusterScoped = value;
      return this;
    }

    public Builder priorities(List<String> value) {
      this.priorities = value;
      return this;
    }

    public Builder namespaceLabels(Map<String, String> value) {
      this.namespaceLabels = value;
      return this;
    }

    public Builder parallelism(int value) {
      this.parallelism = value;
      return this;
    }

    public Builder crdTimeout(Duration value) {
      this.crdTimeout = value;
      return this;
    }

    public Builder objectLabels(Map<String, String> value) {
      this.objectLabels = value;
      return this;
    }

    /** Source storage class to the target's, for restored claims. */
    public Builder storageClassMapping(Map<String, String> value) {
      this.storageClassMapping = new LinkedHashMap<>(value);
      return this;
    }

    /** Fills the claims the restore creates with their data (off unless asked for). */
    public Builder volumeData(boolean value) {
      this.volumeData = value;
      return this;
    }

    /** Restores nothing that can run, serve or scale: see {@link InertTransform}. */
    public Builder inert(boolean value) {
      this.inert = value;
      return this;
    }

    public ResourceRestorePlan build() {
      ClusterScope scope = clusterScoped != null ? clusterScoped
          : namespaces.isEmpty() ? ClusterScope.ALL : ClusterScope.DEFINITIONS;
      return new ResourceRestorePlan(cluster, snapshotId, atTime, namespaces, kinds, labelSelector, namespaceMapping,
          conflictPolicy, dryRun, scope, priorities, namespaceLabels, parallelism, crdTimeout, objectLabels, inert,
          storageClassMapping, volumeData);
    }
  }
}
