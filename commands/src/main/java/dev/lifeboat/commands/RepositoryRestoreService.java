package dev.lifeboat.commands;

import dev.lifeboat.events.v1.SnapshotKind;

/**
 * Routes a validated Restore by kind: volumes to {@link VolumeRestore}, etcd to {@link
 * EtcdFileRestore}, resource dry runs to {@link ResourceDryRun}, and resource restores to the
 * resource engine given (see {@link ResourceRestoreAdapter}).
 */
public final class RepositoryRestoreService implements RestoreService {
  private final RestoreService volumes;
  private final RestoreService etcd;
  private final RestoreService resourceDryRun;
  private final RestoreService resources;

  /**
   * Resource dry runs read the repository only ({@link ResourceDryRun}).
   *
   * @param resources restores resources into the target cluster
   */
  public RepositoryRestoreService(RestoreData data, RestoreService resources) {
    this(data, resources, new ResourceDryRun(data));
  }

  /** @param resourceDryRuns answers dry runs of resource restores (an engine that reads the target, too) */
  public RepositoryRestoreService(RestoreData data, RestoreService resources, RestoreService resourceDryRuns) {
    this.volumes = new VolumeRestore(data);
    this.etcd = new EtcdFileRestore(data);
    this.resourceDryRun = resourceDryRuns;
    this.resources = resources;
  }

  @Override
  public Result restore(ValidatedRestore restore, Progress progress, CancellationToken cancellation) throws Exception {
    if (restore.kind() == SnapshotKind.VOLUME) {
      return volumes.restore(restore, progress, cancellation);
    }
    if (restore.kind() == SnapshotKind.ETCD) {
      return etcd.restore(restore, progress, cancellation);
    }
    return restore.dryRun() ? resourceDryRun.restore(restore, progress, cancellation)
        : resources.restore(restore, progress, cancellation);
  }
}
