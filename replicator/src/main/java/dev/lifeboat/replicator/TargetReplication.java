package dev.lifeboat.replicator;

import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.config.ReplicationConfig;
import dev.lifeboat.observe.Health;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.retry.RetryPolicy;
import dev.lifeboat.runtime.WorkerDefinition;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * Replication to one off-region store: its copier, its status, and the worker that serves it. Each
 * store has a worker and a consumer group of its own ({@code replicator-<store>}), so a store that is
 * down pauses its own work only, and its backlog waits on Kafka.
 */
public final class TargetReplication implements AutoCloseable {
  /**
   * How a store's worker retries an event a store failed on: 1 s doubling to 30 s; after 10 minutes it
   * reports DEGRADED and goes on retrying (the events stay on Kafka).
   */
  public static final RetryPolicy RETRY = new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(30), 2.0, 0.2,
      Duration.ofMinutes(10));

  private final String store;
  private final RepositoryCopier copier;
  private final ReplicationStatus status;
  private final ReplicationHandler handler;

  /**
   * @param source the primary repository's store
   * @param target the off-region store, retried briefly (seconds): a longer outage is the worker's to wait out
   */
  public TargetReplication(String store, ReplicationConfig settings, BlobStore source, BlobStore target, EventFactory events,
      AuditPublisher audit, MeterRegistry meters, Health health) {
    this.store = store;
    this.status = new ReplicationStatus(store, meters, health, events.clock());
    this.copier = new RepositoryCopier(store, source, target, settings, events.clock(), new RepositoryCopier.Progress() {
      @Override
      public void copied(String key, long bytes) {
        status.copied(bytes);
      }

      @Override
      public void skipped(int objects) {
        status.skipped(objects);
      }
    });
    this.handler = new ReplicationHandler(store, copier, status, events, audit);
  }

  public String store() {
    return store;
  }

  /**
   * The worker that copies what {@code topic} announces, named {@code replicator-<store>}. A record is
   * one whole snapshot to copy, which may take long (the runtime keeps polling meanwhile): one record
   * per poll, so a stop or a rebalance leaves no further events of the batch waiting behind a copy.
   */
  public WorkerDefinition<Object> worker(String topic, RetryPolicy retry) {
    return new WorkerDefinition<>("replicator-" + store, List.of(topic), handler, retry, true,
        WorkerDefinition.Exhausted.KEEP_RETRYING)
        .inTransactions()
        .withConsumerProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
  }

  /** What one copy did: bytes and objects uploaded (each verified), and objects the store already had. */
  public record Copied(long bytes, long objectsCopied, long objectsSkipped) {}

  /**
   * Copies one snapshot to this store now, outside any worker (tools, benchmarks): every pack and index
   * file it lacks, the config, then the manifest, each verified.
   */
  public Copied copySnapshot(String manifestKey, String manifestSha256) {
    RepositoryCopier.Result r = copier.copySnapshot(manifestKey, manifestSha256);
    return new Copied(r.bytesCopied(), r.objectsCopied(), r.objectsSkipped());
  }

  /** Seconds since the oldest event this store has not caught up with completed; 0 when caught up. */
  public double lagSeconds() {
    return status.lagSeconds();
  }

  /** Updates this store's line on the status page (its lag grows while copies wait). */
  public void refreshStatus() {
    status.refreshHealth();
  }

  @Override
  public void close() {
    copier.close();
    status.close();
  }
}
