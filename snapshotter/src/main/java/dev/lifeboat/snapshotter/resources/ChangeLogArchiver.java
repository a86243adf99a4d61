package dev.lifeboat.snapshotter.resources;

import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.events.v1.ChangeLogSegmentArchived;
import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.repository.changelog.SegmentFormat;
import dev.lifeboat.repository.changelog.SegmentStore;
import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.retry.PermanentFailure;
import dev.lifeboat.retry.RetriableFailure;
import dev.lifeboat.retry.RetryPolicy;
import dev.lifeboat.runtime.BatchHandler;
import dev.lifeboat.runtime.InboundRecord;
import dev.lifeboat.runtime.Worker;
import dev.lifeboat.runtime.WorkerContext;
import dev.lifeboat.runtime.WorkerDefinition;
import dev.lifeboat.schemas.topics.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Archives {@code lifeboat.resource-changes} continuously into repository segments, so any instant
 * can be reconstructed later (nearest resource snapshot plus the changes after it). A {@link
 * BatchHandler} on the worker runtime, which decodes the records, dead-letters the bad ones, retries,
 * restarts the worker after a crash and shows it in health ({@code worker:changelog:<cluster>}) as for
 * every worker. A partition's changes since its last segment are sealed into one segment covering
 * the offsets read since then ({@link SegmentFormat}, stored by {@link SegmentStore}) once its oldest
 * change is {@code every} old or it reaches {@code maxSegmentBytes} ({@link SealPolicy}; the worker
 * looks every {@link SealPolicy#checkEvery()}), so a change waits at most about {@code every} and a
 * quiet partition stores nothing. Then a {@code ChangeLogSegmentArchived} event goes to {@code
 * lifeboat.snapshots}, then the runtime commits the offset: at-least-once. Sealed segments are
 * merged later into larger ones ({@link ChangeLogMerger}, {@code mergeAfter} after they were
 * stored), so a log sealed every second does not leave an object per partition per second. After a
 * crash between storing and committing, the range is stored again (the same key is kept as it is; a
 * longer range overlaps, and readers de-duplicate by offset).
 *
 * <p>Consecutive segments of a partition are contiguous: a segment covers every offset from the end
 * of the previous one, records of other clusters, dead-lettered records and transaction markers
 * included, so a reader can tell a gap from a quiet period. A record that cannot be decoded (or has
 * no key, or is not a ResourceChanged) is dead-lettered by the runtime and left out of the segment.
 *
 * <p>While the store is down a partition's segment is kept (its range fixed) and the partition's next
 * records are refused with a retriable failure, so the runtime leaves them on Kafka and offers them
 * again after a backoff of at most a period; storing is tried again every period. Memory: at most
 * {@code maxSegmentBytes} of encoded changes per partition (a segment is sealed early when one
 * reaches it).
 */
public final class ChangeLogArchiver implements BatchHandler<Object>, Runnable, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChangeLogArchiver.class);
  private static final long SEND_TIMEOUT_SECONDS = 60;
  static final long DEFAULT_MAX_SEGMENT_BYTES = 16L * 1024 * 1024;
  /** How long a segment stays as sealed before it may be merged: time for the replicator to copy it first. */
  public static final Duration DEFAULT_MERGE_AFTER = Duration.ofMinutes(1);
  /** Stored (compressed, sealed) bytes a merged segment holds at most. */
  public static final long DEFAULT_MERGE_TARGET_BYTES = 4L * 1024 * 1024;

  /**
   * @param groupId the archiver's own consumer group
   * @param every how long a change waits at most before its segment is sealed
   * @param repository names the repository in published events
   * @param mergeAfter how long after it was stored a segment may be merged ({@link ChangeLogMerger});
   *     zero: segments are never merged
   * @param mergeTargetBytes stored bytes a merged segment holds at most
   */
  public record Settings(String cluster, String topic, String groupId, Duration every, long maxSegmentBytes,
      String repository, Duration mergeAfter, long mergeTargetBytes) {
    public Settings {
      Objects.requireNonNull(cluster, "cluster");
      if (every.isZero() || every.isNegative()) {
        throw new IllegalArgumentException("the archive period must be positive, was " + every);
      }
      if (mergeAfter.isNegative()) {
        throw new IllegalArgumentException("the merge delay must be zero (no merging) or positive, was " + mergeAfter);
      }
    }

    /** Segments merged with the defaults: a minute after they were stored, into segments of at most 4 MiB stored. */
    public Settings(String cluster, String topic, String groupId, Duration every, long maxSegmentBytes, String repository) {
      this(cluster, topic, groupId, every, maxSegmentBytes, repository, DEFAULT_MERGE_AFTER, DEFAULT_MERGE_TARGET_BYTES);
    }

    /**
     * The same settings, segments merged {@code after} they were stored (zero: never) into segments of
     * at most {@code targetBytes} stored bytes.
     */
    public Settings withMerging(Duration after, long targetBytes) {
      return new Settings(cluster, topic, groupId, every, maxSegmentBytes, repository, after, targetBytes);
    }

    public static Settings of(String cluster, String groupPrefix, Duration every, String repository) {
      return new Settings(cluster, Topics.RESOURCE_CHANGES, groupPrefix + "changelog-" + cluster, every,
          DEFAULT_MAX_SEGMENT_BYTES, repository);
    }
  }

  private final Settings settings;
  private final SealPolicy seal;
  private final WorkerContext context;
  private final EventFactory events;
  private final SegmentStore segments;
  private final Worker<Object> worker;
  private final ChangeLogMerger merger; // null when segments are not merged
  private final Map<Integer, Pending> pending = new ConcurrentHashMap<>(); // written on the handler thread
  private final Counter stored;
  private final Counter alreadyStored;
  private final Counter records;
  private final Counter storedBytes;
  private final Counter deadLettered;
  private final Timer latency;

  /** @param events fills the header of published events (the snapshotter's source name) */
  public ChangeLogArchiver(Settings settings, WorkerContext context, EventFactory events, SegmentStore segments) {
    this.settings = settings;
    this.seal = new SealPolicy(settings.every(), settings.maxSegmentBytes());
    this.context = context;
    this.events = events;
    this.segments = segments;
    var meters = context.meters();
    this.stored = meters.counter("lifeboat.changelog.segments", "cluster", settings.cluster(), "outcome", "stored");
    this.alreadyStored = meters.counter("lifeboat.changelog.segments", "cluster", settings.cluster(), "outcome", "already_stored");
    this.records = meters.counter("lifeboat.changelog.records", "cluster", settings.cluster());
    this.storedBytes = meters.counter("lifeboat.changelog.stored.bytes", "cluster", settings.cluster());
    this.deadLettered = meters.counter("lifeboat.changelog.dead.lettered", "cluster", settings.cluster());
    this.latency = Timer.builder("lifeboat.changelog.segment.latency")
        .description("From the time of a segment's oldest change to the segment being stored and committed")
        .tag("cluster", settings.cluster()).publishPercentiles(0.5, 0.99).register(meters);
    Gauge.builder("lifeboat.changelog.lag.seconds", this, ChangeLogArchiver::lagSeconds)
        .description("Age of the oldest change read but not yet archived; 0 when everything read is archived")
        .tag("cluster", settings.cluster()).register(meters);
    this.worker = new Worker<>(definition(), context);
    this.merger = settings.mergeAfter().isZero() ? null : new ChangeLogMerger(settings.cluster(), settings.mergeAfter(),
        settings.mergeTargetBytes(), settings.repository(), context, events, segments);
  }

  /**
   * The archiver as a worker: named {@code changelog:<cluster>} (its dead letters say so), in its own
   * group, flushed every {@link SealPolicy#checkEvery()} so each segment is sealed soon after it is due.
   */
  WorkerDefinition<Object> definition() {
    String prefix = settings.cluster() + "/";
    Duration initial = settings.every().compareTo(Duration.ofMillis(200)) < 0 ? settings.every() : Duration.ofMillis(200);
    return WorkerDefinition.batched("changelog:" + settings.cluster(), settings.topic(), this, seal.checkEvery())
        .inGroup(settings.groupId())
        .onlyKeys(key -> key == null || key.startsWith(prefix)) // other clusters' changes: in the range, not decoded
        // a partition whose segment cannot be stored is offered again at most a period later
        .withRetryPolicy(new RetryPolicy(initial, settings.every(), 2.0, 0.2, RetryPolicy.DEFAULT.deadline()));
  }

  /** One partition's changes since its last segment. */
  private final class Pending {
    final int partition;
    final long first;
    final SegmentFormat.Builder builder;
    Long last; // fixed once storing was attempted, so a retry stores the same range
    SegmentStore.Written written;
    Instant sealBy; // null until a change is added
    Instant retryAt; // after a failed attempt: not tried again before
    Exception failure; // why the last attempt failed

    Pending(int partition, long first) {
      this.partition = partition;
      this.first = first;
      this.builder = new SegmentFormat.Builder(settings.cluster(), settings.topic(), partition);
    }
  }

  /** Seconds since the oldest change read and not yet archived. */
  double lagSeconds() {
    Instant oldest = null;
    for (Pending p : pending.values()) {
      Instant first = p.builder.firstTime();
      if (first != null && (oldest == null || first.isBefore(oldest))) {
        oldest = first;
      }
    }
    return oldest == null ? 0 : Math.max(0, Duration.between(oldest, context.clock().instant()).toMillis() / 1000.0);
  }

  /** Runs the archiver's worker on this thread until {@link #stop()}, restarting it after a crash. */
  @Override
  public void run() {
    if (merger != null) {
      merger.start();
    }
    try {
      worker.runSupervised();
    } finally {
      if (merger != null) {
        merger.close();
      }
    }
  }

  @Override
  public void open(Map<TopicPartition, Long> positions) {
    positions.forEach((tp, position) -> {
      pending.put(tp.partition(), new Pending(tp.partition(), position));
      if (merger != null) {
        merger.open(tp.partition());
      }
    });
  }

  @Override
  public void put(InboundRecord<Object> record) {
    Pending p = pending.get(record.partition());
    if (p == null) {
      throw new RetriableFailure("partition " + record.partition() + " is not open yet");
    }
    if (p.last != null) { // Kafka keeps the backlog until the segment before it is stored
      throw new RetriableFailure("the segment of " + settings.topic() + "-" + p.partition + " from " + p.first
          + " is not stored yet");
    }
    if (record.key() == null) {
      throw new PermanentFailure("a resource change without a key (expected cluster/namespace/group/kind/name)");
    }
    if (!(record.value() instanceof ResourceChanged change)) {
      throw new PermanentFailure("expected a ResourceChanged, got "
          + (record.value() == null ? "a tombstone" : record.value().getClass().getName()));
    }
    p.builder.add(record.offset(), record.timestamp(), record.key(), change);
    if (p.sealBy == null) {
      p.sealBy = seal.sealBy(record.timestamp(), context.clock().instant());
    }
    records.increment();
  }

  @Override
  public void deadLettered(TopicPartition partition, long offset) {
    deadLettered.increment();
  }

  @Override
  public boolean full() {
    // a segment waiting for the store is tried again at the period, not after every batch
    return pending.values().stream().anyMatch(p -> p.last == null && p.builder.size() >= settings.maxSegmentBytes());
  }

  /**
   * Stores, publishes and hands back for commit every partition's segment that is due ({@link
   * SealPolicy}); one that fails is kept, its range fixed, and tried again a period later.
   */
  @Override
  public Flushed flush(Map<TopicPartition, Long> consumed) throws InterruptedException {
    Map<TopicPartition, Long> commit = new HashMap<>();
    Map<TopicPartition, Throwable> failed = new HashMap<>();
    Instant now = context.clock().instant();
    for (Pending p : List.copyOf(pending.values())) {
      TopicPartition tp = new TopicPartition(settings.topic(), p.partition);
      Long seen = consumed.get(tp);
      if (seen == null || p.builder.count() == 0) {
        continue; // nothing of ours yet: the range stays open (and uncommitted) until there is
      }
      if (p.last == null && !seal.due(p.sealBy, p.builder.size(), now)) {
        continue; // not due yet
      }
      if (p.last != null && now.isBefore(p.retryAt)) {
        failed.put(tp, p.failure); // failed, waiting for its next attempt: the worker stays DEGRADED meanwhile
        continue;
      }
      if (p.last == null) {
        p.last = seen - 1; // every record before it was added, passed over or dead-lettered
      }
      try {
        archive(p, tp);
        commit.put(tp, p.last + 1);
        pending.put(p.partition, new Pending(p.partition, p.last + 1));
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        log.warn("Could not archive {} ({}..{}), keeping it and trying again in {}: {}", tp, p.first, p.last,
            settings.every(), ErrorClassifier.describe(e));
        p.retryAt = now.plus(settings.every());
        p.failure = e;
        failed.put(tp, e);
      }
    }
    return new Flushed(commit, failed);
  }

  /** Stores a partition's segment (once) and publishes it. */
  private void archive(Pending p, TopicPartition tp) throws Exception {
    Instant oldest = p.builder.firstTime();
    if (p.written == null) {
      p.written = segments.write(settings.cluster(), p.partition, p.first, p.last, p.builder.finish(p.first, p.last));
      (p.written.alreadyStored() ? alreadyStored : stored).increment();
      storedBytes.increment(p.written.size());
    }
    ChangeLogSegmentArchived event = ChangeLogSegmentArchived.newBuilder()
        .setHeader(events.header(p.written.key()))
        .setCluster(settings.cluster()).setPartition(p.partition).setFirstOffset(p.first).setLastOffset(p.last)
        .setFirstChangeTime(p.builder.firstTime()).setLastChangeTime(p.builder.lastTime())
        .setRecordCount(p.builder.count()).setSegmentKey(p.written.key()).setSegmentSha256(p.written.sha256())
        .setSize(p.written.size()).setRepository(settings.repository()).build();
    context.producer().send(new ProducerRecord<>(Topics.SNAPSHOTS, p.written.key().getBytes(StandardCharsets.UTF_8),
        context.serializer().serialize(Topics.SNAPSHOTS, event))).get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    latency.record(Duration.between(oldest, context.clock().instant()).toMillis(), TimeUnit.MILLISECONDS);
    log.info("Archived {} changes of {} ({}..{}) as {} ({} bytes{})", p.builder.count(), tp, p.first, p.last,
        p.written.key(), p.written.size(), p.written.alreadyStored() ? ", already stored" : "");
  }

  @Override
  public void close(Collection<TopicPartition> partitions) {
    // not committed: the next owner (or the next run) reads and archives these changes again
    partitions.forEach(tp -> {
      pending.remove(tp.partition());
      if (merger != null) {
        merger.close(tp.partition());
      }
    });
  }

  /** Asks the archiver to stop; what was not archived yet is read again after restart. Safe from any thread. */
  public void stop() {
    worker.stop();
  }

  @Override
  public void close() {
    stop();
  }
}
