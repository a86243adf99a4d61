package dev.lifeboat.snapshotter;

import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.config.RetentionConfig;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.gc.GarbageCollector;
import dev.lifeboat.retry.ErrorClassifier;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies retention and collects garbage in the primary repository, every {@code retention.gcEvery},
 * on the cluster-wide snapshotter. Each run is an audit event ({@code repository.gc}) with what it
 * deleted; a failed run is logged, audited and tried again next time (nothing is deleted before
 * everything needed is known, so a failure part-way loses nothing).
 */
final class RepositoryMaintenance {
  private static final Logger log = LoggerFactory.getLogger(RepositoryMaintenance.class);

  private final Repository repository;
  private final RetentionConfig config;
  private final AuditPublisher audit;
  private final Clock clock;
  private final Counter succeeded;
  private final Counter failed;
  private final Counter freedBytes;
  private final Counter deletedManifests;

  RepositoryMaintenance(Repository repository, RetentionConfig config, AuditPublisher audit, MeterRegistry meters, Clock clock) {
    this.repository = repository;
    this.config = config;
    this.audit = audit;
    this.clock = clock;
    this.succeeded = meters.counter("lifeboat.repository.gc.runs", "outcome", "succeeded");
    this.failed = meters.counter("lifeboat.repository.gc.runs", "outcome", "failed");
    this.freedBytes = meters.counter("lifeboat.repository.gc.freed.bytes");
    this.deletedManifests = meters.counter("lifeboat.repository.retention.deleted.manifests");
  }

  void run() {
    try {
      GarbageCollector.Report r = new GarbageCollector(repository, config, clock).run(step -> log.info("Garbage collection: {}", step));
      if (r.skipped()) {
        log.info("Garbage collection skipped: {}", r.skippedReason());
        return;
      }
      succeeded.increment();
      freedBytes.increment(r.bytesFreed());
      deletedManifests.increment(r.manifestsDeleted());
      audit.event(AuditActions.REPOSITORY_GC, repository.describe(), r.chunksMissing() > 0 ? AuditOutcome.PARTIALLY_FAILED : AuditOutcome.SUCCEEDED)
          .detail("snapshotsKept", r.manifestsKept()).detail("snapshotsDeleted", r.manifestsDeleted())
          .detail("chunksLive", r.chunksLive()).detail("chunksMissing", r.chunksMissing())
          .detail("chunksPlanned", r.chunksPlanned()).detail("chunksDeleted", r.chunksDeleted())
          .detail("packsDeleted", r.packsDeleted()).detail("packsRewritten", r.packsRewritten())
          .detail("bytesFreed", r.bytesFreed()).detail("snapshotsLocked", r.manifestsLocked())
          .detail("packsLocked", r.packsLocked()).detail("chunksLocked", r.chunksLocked())
          .detail("durationMillis", r.durationMillis()).publish();
    } catch (RuntimeException e) {
      failed.increment();
      log.warn("Garbage collection of {} failed (tried again in {}): {}", repository.describe(), config.gcEvery(),
          ErrorClassifier.describe(e));
      try {
        audit.event(AuditActions.REPOSITORY_GC, repository.describe(), AuditOutcome.FAILED).reason(ErrorClassifier.describe(e)).publish();
      } catch (RuntimeException auditFailure) {
        log.warn("Could not audit the failed garbage collection: {}", auditFailure.toString());
      }
    }
  }
}
