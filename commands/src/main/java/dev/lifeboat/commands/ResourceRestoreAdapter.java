package dev.lifeboat.commands;

/**
 * The adapter point for the resource restore engine ({@code dev.lifeboat.restore.RestoreEngine}):
 * the one place where a Restore of kind RESOURCES that is not a dry run is handed to it. Until an
 * engine is plugged in, such restores fail with a reason that says so (dry runs work without it:
 * {@link ResourceDryRun}). DESIGN.md in this package shows the engine's adapter.
 */
public final class ResourceRestoreAdapter {
  private ResourceRestoreAdapter() {}

  /** The service that restores resources into a target cluster when no engine is installed. */
  public static RestoreService notInstalled() {
    return (restore, progress, cancellation) -> new RestoreService.Result(
        dev.lifeboat.events.v1.AuditOutcome.FAILED,
        "this Lifeboat build has no resource restore engine: only dry runs of resource restores are possible"
            + " (volume and etcd restores work)",
        java.util.Map.of(), java.util.Map.of());
  }
}
