package dev.lifeboat.replicator;

import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.blob.MeteredBlobStore;
import dev.lifeboat.repository.blob.RetryingBlobStore;
import dev.lifeboat.repository.blob.S3BlobStore;
import dev.lifeboat.retry.Retry;
import dev.lifeboat.retry.RetryPolicy;
import dev.lifeboat.runtime.ProcessContext;
import dev.lifeboat.runtime.Worker;
import dev.lifeboat.runtime.SectionPlugin;
import dev.lifeboat.schemas.topics.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins the replicator to a Lifeboat process: one worker per off-region store ({@code
 * stores.offsite[]}), each copying every snapshot and change-log segment announced on {@code
 * lifeboat.snapshots} from the primary store, verified, manifest last.
 */
public final class ReplicatorPlugin extends SectionPlugin<ReplicatorConfig> {
  private static final Logger log = LoggerFactory.getLogger(ReplicatorPlugin.class);
  /**
   * Each store call is retried for seconds only: a longer outage becomes a retriable failure of the
   * event, which the store's worker waits out with its partition paused.
   */
  static final RetryPolicy STORE_CALLS = new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(5), 2.0, 0.2,
      Duration.ofSeconds(20));

  public ReplicatorPlugin() {
    super("replicator", ReplicatorConfig.SECTION);
  }

  @Override
  public AutoCloseable start(ProcessContext context) {
    List<StoreConfig> offsite = context.config().stores().offsite();
    if (!settings(context).enabled() || offsite.isEmpty()) {
      log.info("Replicator not started: {}", offsite.isEmpty() ? "no off-region store is configured (stores.offsite)"
          : "replicator.enabled is false");
      return () -> {};
    }
    var runtime = context.runtime();
    var events = context.events().forSource("replicator");
    S3BlobStore primary = new S3BlobStore(context.config().stores().primary());
    BlobStore source = open(primary, context.meters());
    List<AutoCloseable> closing = new ArrayList<>();
    closing.add(primary);
    List<TargetReplication> targets = new ArrayList<>();
    List<Worker<Object>> workers = new ArrayList<>();
    for (StoreConfig store : offsite) {
      S3BlobStore s3 = new S3BlobStore(store);
      closing.add(s3);
      TargetReplication target = new TargetReplication(store.name(), store.replication(), source, open(s3, context.meters()),
          events, runtime.audit(), context.meters(), context.health());
      targets.add(target);
      workers.add(runtime.start(target.worker(Topics.SNAPSHOTS, TargetReplication.RETRY)));
    }
    ScheduledExecutorService statusUpdates = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "lifeboat-replication-status");
      t.setDaemon(true);
      return t;
    });
    statusUpdates.scheduleWithFixedDelay(() -> targets.forEach(TargetReplication::refreshStatus), 5, 5, TimeUnit.SECONDS);
    runtime.audit().component(AuditActions.START, "replicator", AuditOutcome.INFO).detail("source", source.describe())
        .detail("stores", offsite.stream().map(StoreConfig::name).toList()).publish();
    log.info("Replicator copying {} to {}", source.describe(), offsite.stream().map(StoreConfig::name).toList());
    return () -> {
      statusUpdates.shutdownNow();
      // copies in progress are interrupted; their events were not committed and are copied on (nothing twice) at the next start
      workers.forEach(Worker::stop);
      targets.forEach(TargetReplication::close);
      for (AutoCloseable c : closing) {
        c.close();
      }
      runtime.audit().component(AuditActions.STOP, "replicator", AuditOutcome.INFO).publish();
    };
  }

  /** Measured, and retried briefly (see {@link #STORE_CALLS}). */
  static BlobStore open(S3BlobStore s3, MeterRegistry meters) {
    return new RetryingBlobStore(new MeteredBlobStore(s3, s3.name(), meters),
        new Retry(STORE_CALLS, Clock.systemUTC(), d -> Thread.sleep(d.toMillis())));
  }
}
