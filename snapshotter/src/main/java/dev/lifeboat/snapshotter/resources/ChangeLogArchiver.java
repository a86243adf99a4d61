package dev.lifeboat.snapshotter.resources;

import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.events.v1.ChangeLogSegmentArchived;
import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.observe.Health;
import dev.lifeboat.repository.changelog.SegmentFormat;
import dev.lifeboat.repository.changelog.SegmentStore;
import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.retry.PermanentFailure;
import dev.lifeboat.runtime.WorkerContext;
import dev.lifeboat.schemas.topics.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Archives {@code lifeboat.resource-changes} continuously into repository segments, so any instant
 * can be reconstructed later (nearest resource snapshot plus the changes after it). Every {@code
 * every}, each partition with new changes of this cluster becomes one segment covering the offsets
 * read since the last one ({@link SegmentFormat}, stored by {@link SegmentStore}), then a {@code
 * ChangeLogSegmentArchived} event goes to {@code lifeboat.snapshots}, then the consumer offset is
 * committed: at-least-once. After a crash between storing and committing, the range is stored again
 * (the same key is kept as it is; a longer range overlaps, and readers de-duplicate by offset).
 *
 * <p>Consecutive segments of a partition are contiguous: a segment covers every offset from the end
 * of the previous one, records of other clusters and transaction markers included, so a reader can
 * tell a gap from a quiet period. A record that cannot be decoded (or has no key, or is not a
 * ResourceChanged) goes to {@code lifeboat.dlq} with an audit event and is left out of the segment.
 *
 * <p>While the store is down the partition's segment is kept and the partition paused (Kafka holds
 * the backlog); storing is tried again every period. Memory: at most {@code maxSegmentBytes} of
 * encoded changes per partition (a segment is cut early when it reaches it).
 */
public final class ChangeLogArchiver implements Runnable, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChangeLogArchiver.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final long SEND_TIMEOUT_SECONDS = 60;
  static final long DEFAULT_MAX_SEGMENT_BYTES = 16L * 1024 * 1024;

  /**
   * @param groupId the archiver's own consumer group
   * @param repository names the repository in published events
   */
  public record Settings(String cluster, String topic, String groupId, Duration every, long maxSegmentBytes,
      String repository) {
    public Settings {
      Objects.requireNonNull(cluster, "cluster");
      if (every.isZero() || every.isNegative()) {
        throw new IllegalArgumentException("the archive period must be positive, was " + every);
      }
    }

    public static Settings of(String cluster, String groupPrefix, Duration every, String repository) {
      return new Settings(cluster, Topics.RESOURCE_CHANGES, groupPrefix + "changelog-" + cluster, every,
          DEFAULT_MAX_SEGMENT_BYTES, repository);
    }
  }

  private final Settings settings;
  private final WorkerContext context;
  private final EventFactory events;
  private final SegmentStore segments;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Map<Integer, Pending> pending = new ConcurrentHashMap<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final String component;
  private final Counter stored;
  private final Counter alreadyStored;
  private final Counter records;
  private final Counter storedBytes;
  private final Counter deadLettered;
  private final Timer latency;
  private Instant lastFlush;

  /** @param events fills the header of published events (the snapshotter's source name) */
  public ChangeLogArchiver(Settings settings, WorkerContext context, EventFactory events, SegmentStore segments) {
    this.settings = settings;
    this.context = context;
    this.events = events;
    this.segments = segments;
    this.component = "changelog:" + settings.cluster();
    this.consumer = context.kafka().consumer(settings.groupId());
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
  }

  /** One partition's changes since its last segment. */
  private final class Pending {
    final int partition;
    final long first;
    final SegmentFormat.Builder builder;
    Long last; // fixed once storing was attempted, so a retry stores the same range
    SegmentStore.Written written;
    long ignoreFrom = Long.MAX_VALUE; // the rest of the current batch, after a record to be read again

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

  @Override
  public void run() {
    MDC.put("worker", component);
    context.health().set(component, Health.State.UP, "archiving " + settings.topic() + " every " + settings.every());
    context.audit().component(AuditActions.START, component, AuditOutcome.INFO).detail("topic", settings.topic())
        .detail("every", settings.every()).publish();
    lastFlush = context.clock().instant();
    try {
      consumer.subscribe(List.of(settings.topic()), new Rebalance());
      while (running.get()) {
        var batch = consumer.poll(POLL);
        pending.values().forEach(p -> p.ignoreFrom = Long.MAX_VALUE);
        for (ConsumerRecord<byte[], byte[]> record : batch) {
          add(record);
        }
        Instant now = context.clock().instant();
        boolean due = !now.isBefore(lastFlush.plus(settings.every()));
        if (due) {
          lastFlush = now;
        }
        for (Pending p : List.copyOf(pending.values())) {
          if (due || p.builder.size() >= settings.maxSegmentBytes()) {
            archive(p);
          }
        }
      }
    } catch (WakeupException e) {
      if (running.get()) {
        throw e;
      }
    } catch (RuntimeException e) {
      log.error("The change-log archiver of {} stopped on an unexpected error: {}", settings.cluster(),
          ErrorClassifier.describe(e), e);
      context.health().set(component, Health.State.DOWN, ErrorClassifier.describe(e));
      context.audit().component(AuditActions.CRASH, component, AuditOutcome.FAILED).reason(ErrorClassifier.describe(e)).publish();
      throw e;
    } finally {
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(10)));
      context.health().set(component, Health.State.DOWN, "stopped");
      context.audit().component(AuditActions.STOP, component, AuditOutcome.INFO).publish();
      MDC.remove("worker");
    }
  }

  private void add(ConsumerRecord<byte[], byte[]> record) {
    Pending p = pending.get(record.partition());
    if (p == null || p.last != null || record.offset() >= p.ignoreFrom) {
      return; // not ours any more, frozen for a retry, or after a record that is read again: all read again later
    }
    if (record.key() == null) {
      deadLetter(p, record, new PermanentFailure("a resource change without a key (expected cluster/namespace/group/kind/name)"));
      return;
    }
    String key = new String(record.key(), StandardCharsets.UTF_8);
    if (!key.startsWith(settings.cluster() + "/")) {
      return; // another cluster's change
    }
    Object value;
    try {
      value = context.deserializer().decode(record.topic(), record.partition(), record.offset(), record.value());
    } catch (RuntimeException e) {
      if (ErrorClassifier.isRetriable(e)) {
        readAgainLater(p, record, e); // the registry is unreachable
        return;
      }
      deadLetter(p, record, e);
      return;
    }
    if (!(value instanceof ResourceChanged change)) {
      deadLetter(p, record, new PermanentFailure("expected a ResourceChanged, got "
          + (value == null ? "a tombstone" : value.getClass().getName())));
      return;
    }
    p.builder.add(record.offset(), Instant.ofEpochMilli(record.timestamp()), key, change);
    records.increment();
  }

  /**
   * Goes back to {@code record}: the rest of the batch is ignored, the partition paused until the
   * next period, and the record read again then. What was added before it is archived as usual.
   */
  private void readAgainLater(Pending p, ConsumerRecord<byte[], byte[]> record, Exception error) {
    log.warn("{}-{}@{} cannot be processed now, it is read again in {}: {}", record.topic(), record.partition(),
        record.offset(), settings.every(), ErrorClassifier.describe(error));
    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
    p.ignoreFrom = record.offset();
    consumer.seek(tp, record.offset());
    consumer.pause(List.of(tp));
  }

  private void deadLetter(Pending p, ConsumerRecord<byte[], byte[]> record, Exception error) {
    String position = record.topic() + "-" + record.partition() + "@" + record.offset();
    log.warn("{} sent to the dead-letter topic: {}", position, ErrorClassifier.describe(error));
    deadLettered.increment();
    try {
      context.deadLetters().publish(record, component, error).get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      context.audit().event(AuditActions.RECORD_DEAD_LETTERED, position, AuditOutcome.FAILED).correlationId(component)
          .reason("permanent failure: " + ErrorClassifier.describe(error)).detail("worker", component)
          .detail("errorClass", error.getClass().getName()).publish();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      readAgainLater(p, record, e);
    } catch (Exception e) {
      readAgainLater(p, record, e);
    }
  }

  /** Stores a partition's segment, publishes it, commits; on failure keeps it and pauses the partition. */
  private void archive(Pending p) {
    TopicPartition tp = new TopicPartition(settings.topic(), p.partition);
    if (!consumer.assignment().contains(tp)) {
      pending.remove(p.partition, p); // revoked: the next owner reads it again
      return;
    }
    if (p.builder.count() == 0) {
      // nothing of ours yet: the range stays open (and uncommitted) until there is
      if (consumer.paused().contains(tp)) {
        consumer.resume(List.of(tp));
      }
      return;
    }
    if (p.last == null) {
      p.last = consumer.position(tp) - 1; // every record before the position was added, skipped or dead-lettered
    }
    Instant oldest = p.builder.firstTime();
    try {
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
      consumer.commitSync(Map.of(tp, new OffsetAndMetadata(p.last + 1)));
      latency.record(Duration.between(oldest, context.clock().instant()).toMillis(), TimeUnit.MILLISECONDS);
      log.info("Archived {} changes of {} ({}..{}) as {} ({} bytes{})", p.builder.count(), tp, p.first, p.last,
          p.written.key(), p.written.size(), p.written.alreadyStored() ? ", already stored" : "");
      resumeAfter(p, tp);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running.set(false);
    } catch (Exception e) {
      log.warn("Could not archive {} ({}..{}), keeping it and trying again in {}: {}", tp, p.first, p.last,
          settings.every(), ErrorClassifier.describe(e));
      consumer.pause(List.of(tp));
      context.health().set(component, Health.State.DEGRADED, "cannot archive " + tp + ": " + ErrorClassifier.describe(e));
    }
  }

  private void resumeAfter(Pending p, TopicPartition tp) {
    pending.put(p.partition, new Pending(p.partition, p.last + 1));
    consumer.seek(tp, p.last + 1); // where it is already, unless records arrived while it was frozen
    if (consumer.paused().contains(tp)) {
      consumer.resume(List.of(tp));
    }
    var health = context.health().components().get(component);
    if (health != null && health.state() != Health.State.UP) {
      context.health().set(component, Health.State.UP, "archiving " + settings.topic() + " every " + settings.every());
    }
  }

  /** Asks the loop to stop; what was not archived yet is read again after restart. Safe from any thread. */
  public void stop() {
    running.set(false);
    consumer.wakeup();
  }

  @Override
  public void close() {
    stop();
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      // not committed: the next owner reads (and archives) these changes again
      partitions.forEach(tp -> pending.remove(tp.partition()));
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      List<TopicPartition> paused = new ArrayList<>();
      for (TopicPartition tp : partitions) {
        pending.put(tp.partition(), new Pending(tp.partition(), consumer.position(tp)));
        if (consumer.paused().contains(tp)) {
          paused.add(tp);
        }
      }
      consumer.resume(paused);
    }
  }
}
