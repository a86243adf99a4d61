package dev.lifeboat.restore;

import dev.lifeboat.repository.resources.ResourceDocument;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills the claims a resource restore created, after the level that holds them and before any
 * workload: each gets the newest volume snapshot of its source claim at or before the restore point
 * ({@link ClaimVolumes}), written through a data-mover pod ({@link VolumeMover}). A claim with no such
 * snapshot keeps its new, empty volume and says so. A claim whose data cannot be written stops the
 * restore before the next level, so that no restored pod starts on an empty volume that should hold
 * data ({@link ClaimDataException}).
 */
final class ClaimFilling {
  private static final Logger log = LoggerFactory.getLogger(ClaimFilling.class);

  private final RestoreSource source;
  private final KubernetesClient target;
  private final DataMoverSettings settings;
  private final ClaimVolumes volumes;
  private final Instant at;

  /** @param at the restore point: the instant asked for, or a snapshot's cut */
  ClaimFilling(RestoreSource source, KubernetesClient target, DataMoverSettings settings, String cluster, Instant at) {
    this.source = source;
    this.target = target;
    this.settings = settings;
    this.volumes = new ClaimVolumes(source.repository().manifests(), cluster);
    this.at = at;
  }

  /**
   * Fills each claim the restore created, {@link DataMoverSettings#moversAtOnce} at a time. Once one
   * fails, no further mover starts; those running finish, and the report names every claim that was
   * filled or failed, in the order given.
   *
   * @param created the source documents of the created claims with the namespace each went to
   * @throws ClaimDataException a claim's data could not be written: the restore must stop here
   */
  List<ResourceRestoreReport.ClaimData> fill(List<Created> created, Progress progress) {
    AtomicBoolean failed = new AtomicBoolean();
    ExecutorService movers = Executors.newFixedThreadPool(Math.max(1, Math.min(settings.moversAtOnce(), created.size())),
        new NamedThreads("lifeboat-data-mover"));
    try {
      List<Future<Outcome>> outcomes = new ArrayList<>();
      for (Created c : created) {
        outcomes.add(movers.submit(() -> failed.get() ? null : fillOne(c, progress, failed)));
      }
      List<ResourceRestoreReport.ClaimData> filled = new ArrayList<>();
      RuntimeException firstError = null;
      for (Future<Outcome> f : outcomes) {
        Outcome outcome = join(f);
        if (outcome == null) {
          continue; // not started: another claim had failed
        }
        filled.add(outcome.data());
        if (outcome.error() != null && firstError == null) {
          firstError = outcome.error();
        }
      }
      if (firstError != null) {
        throw new ClaimDataException(filled, firstError);
      }
      return filled;
    } finally {
      movers.shutdownNow();
    }
  }

  private record Outcome(ResourceRestoreReport.ClaimData data, RuntimeException error) {}

  private Outcome fillOne(Created c, Progress progress, AtomicBoolean failed) {
    String claim = c.targetNamespace() + "/" + c.document().name();
    Optional<ClaimVolumes.Pick> pick = volumes.newestAtOrBefore(c.document().uid(), at);
    if (pick.isEmpty()) {
      log.warn("Claim {} keeps a new, empty volume: no volume snapshot of its source claim {}/{} (uid {}) at or before {}",
          claim, c.document().namespace(), c.document().name(), c.document().uid(), at);
      return new Outcome(ResourceRestoreReport.ClaimData.empty(claim,
          "no volume snapshot of the source claim at or before " + at), null);
    }
    if (CsiClaimSources.isCsi(pick.get().manifest())) {
      return new Outcome(ResourceRestoreReport.ClaimData.empty(claim, "its newest snapshot, "
          + pick.get().manifest().snapshotId() + ", is a CSI snapshot the target cannot reach"), null);
    }
    try {
      VolumeMover.Result moved = new VolumeMover(source, target, settings.image(), settings.startTimeout(), settings.owners())
          .move(c.targetNamespace(), c.document().name(), pick.get().manifest(), progress);
      return new Outcome(new ResourceRestoreReport.ClaimData(claim, ResourceRestoreReport.ClaimData.State.FILLED,
          pick.get().manifest().snapshotId(), pick.get().manifest().createdAt(), pick.get().skew(), moved.files(),
          moved.bytes(), moved.duration(), null), null);
    } catch (VolumeMoveException | IllegalArgumentException e) {
      failed.set(true);
      return new Outcome(new ResourceRestoreReport.ClaimData(claim, ResourceRestoreReport.ClaimData.State.FAILED,
          pick.get().manifest().snapshotId(), pick.get().manifest().createdAt(), pick.get().skew(), 0, 0, Duration.ZERO,
          e.getMessage()), e);
    }
  }

  private static Outcome join(Future<Outcome> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while claims were being filled", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    }
  }

  /** A claim the restore created: its source document and where it went. */
  record Created(ResourceDocument document, String targetNamespace) {}

  /** A claim's data could not be written; what was filled before it, and it, are in {@link #filled}. */
  static final class ClaimDataException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient List<ResourceRestoreReport.ClaimData> filled;

    ClaimDataException(List<ResourceRestoreReport.ClaimData> filled, RuntimeException cause) {
      super(cause.getMessage(), cause);
      this.filled = List.copyOf(filled);
    }

    List<ResourceRestoreReport.ClaimData> filled() {
      return filled;
    }
  }
}
