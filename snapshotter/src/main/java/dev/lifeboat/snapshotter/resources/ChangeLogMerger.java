package dev.lifeboat.snapshotter.resources;

import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.events.v1.ChangeLogSegmentArchived;
import dev.lifeboat.repository.changelog.SegmentMerger;
import dev.lifeboat.repository.changelog.SegmentRef;
import dev.lifeboat.repository.changelog.SegmentStore;
import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.runtime.WorkerContext;
import dev.lifeboat.schemas.topics.Topics;
import io.micrometer.core.instrument.Counter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Merges the small segments the archiver seals ({@link SegmentMerger}) for the partitions this
 * archiver reads, on a thread of its own so sealing never waits for a merge. Every half {@code
 * settle}, each partition is listed; runs of segments stored at least {@code settle} ago (by the
 * store's clock) and together at most {@code targetBytes} become one segment, which is stored, read
 * back, announced like any archived segment ({@code ChangeLogSegmentArchived} with {@code replaces}
 * naming the merged keys, so the replicator copies it and then removes its copies of those) and only
 * then are the replaced segments deleted. {@code settle} leaves the replicator time to copy a small
 * segment before it goes; one it could not copy in time is covered by the merged segment's copy.
 *
 * <p>A failed merge (a store down, a segment gone) deletes nothing and is tried again next round. Two
 * archivers merging one partition during a rebalance may both store a merged segment: they overlap,
 * which readers de-duplicate, and the next round merges them.
 */
final class ChangeLogMerger implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChangeLogMerger.class);
  private static final long SEND_TIMEOUT_SECONDS = 60;

  private final String cluster;
  private final Duration settle;
  private final long targetBytes;
  private final String repository;
  private final WorkerContext context;
  private final EventFactory events;
  private final SegmentStore segments;
  private final SegmentMerger merger;
  private final Set<Integer> partitions = ConcurrentHashMap.newKeySet();
  private final Counter merges;
  private final Counter failures;
  private final Counter replaced;
  private ScheduledExecutorService thread;

  ChangeLogMerger(String cluster, Duration settle, long targetBytes, String repository, WorkerContext context,
      EventFactory events, SegmentStore segments) {
    this.cluster = cluster;
    this.settle = settle;
    this.targetBytes = targetBytes;
    this.repository = repository;
    this.context = context;
    this.events = events;
    this.segments = segments;
    this.merger = new SegmentMerger(segments);
    var meters = context.meters();
    this.merges = meters.counter("lifeboat.changelog.merges", "cluster", cluster, "outcome", "merged");
    this.failures = meters.counter("lifeboat.changelog.merges", "cluster", cluster, "outcome", "failed");
    this.replaced = meters.counter("lifeboat.changelog.merged.segments", "cluster", cluster);
  }

  /** Merges this partition's segments from now on (the archiver reads it). */
  void open(int partition) {
    partitions.add(partition);
  }

  /** No longer merges this partition (another archiver reads it now). */
  void close(int partition) {
    partitions.remove(partition);
  }

  /** Starts merging every half {@code settle}. */
  synchronized void start() {
    if (thread == null) {
      thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lifeboat-changelog-merge-" + cluster);
        t.setDaemon(true);
        return t;
      });
      long every = Math.max(1, settle.toMillis() / 2);
      thread.scheduleWithFixedDelay(this::mergeAll, every, every, TimeUnit.MILLISECONDS);
    }
  }

  /** One round: every partition read by this archiver. */
  void mergeAll() {
    MDC.put("cluster", cluster);
    try {
      for (int partition : List.copyOf(partitions)) {
        try {
          mergePartition(partition);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (Exception e) {
          failures.increment();
          log.warn("Could not merge the change-log segments of partition {}; nothing was deleted, trying again in {}: {}",
              partition, settle.dividedBy(2), ErrorClassifier.describe(e));
        }
      }
    } finally {
      MDC.remove("cluster");
    }
  }

  /** Merges one partition's settled runs; returns how many merges were made. */
  int mergePartition(int partition) throws Exception {
    Instant settledBefore = context.clock().instant().minus(settle);
    Map<String, Instant> storedAt = new HashMap<>();
    List<SegmentRef> refs = segments.listStored(cluster, partition).stream()
        .peek(s -> storedAt.put(s.ref().key(), s.storedAt())).map(SegmentStore.Stored::ref).toList();
    int made = 0;
    for (List<SegmentRef> run : SegmentMerger.plan(refs, targetBytes, r -> !storedAt.get(r.key()).isAfter(settledBefore))) {
      if (!partitions.contains(partition)) {
        break; // taken away meanwhile
      }
      SegmentMerger.Merged merged = merger.merge(run);
      publish(merged);
      merger.deleteReplaced(merged);
      merges.increment();
      replaced.increment(merged.replaced().size());
      made++;
      log.info("Merged {} change-log segments of partition {} ({}..{}) into {} ({} bytes)", merged.replaced().size(),
          partition, merged.range().firstOffset(), merged.range().lastOffset(), merged.written().key(),
          merged.written().size());
    }
    return made;
  }

  private void publish(SegmentMerger.Merged merged) throws Exception {
    SegmentRef range = merged.range();
    ChangeLogSegmentArchived event = ChangeLogSegmentArchived.newBuilder()
        .setHeader(events.header(range.key()))
        .setCluster(cluster).setPartition(range.partition()).setFirstOffset(range.firstOffset())
        .setLastOffset(range.lastOffset()).setFirstChangeTime(merged.firstChangeTime())
        .setLastChangeTime(merged.lastChangeTime()).setRecordCount(merged.recordCount()).setSegmentKey(range.key())
        .setSegmentSha256(merged.written().sha256()).setSize(merged.written().size()).setRepository(repository)
        .setReplaces(merged.replaced().stream().map(SegmentRef::key).toList()).build();
    context.producer().send(new ProducerRecord<>(Topics.SNAPSHOTS, range.key().getBytes(StandardCharsets.UTF_8),
        context.serializer().serialize(Topics.SNAPSHOTS, event))).get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  @Override
  public synchronized void close() {
    if (thread != null) {
      thread.shutdownNow();
      thread = null;
    }
  }
}
