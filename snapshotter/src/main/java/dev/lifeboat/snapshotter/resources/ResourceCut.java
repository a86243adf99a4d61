package dev.lifeboat.snapshotter.resources;

import dev.lifeboat.retry.RetriableFailure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a resource snapshot cuts the state table, and which changes that cut holds.
 *
 * <p>Taken in this order: (1) the committed input offsets {@code O} of the Streams application on
 * {@code lifeboat.resource-changes}, stable ones only (no transaction pending); (2) the high
 * watermarks {@code H} of {@code lifeboat.resource-state}; (3) the read-committed end offsets
 * {@code E} of the state table, read again until {@code E >= H} on every partition. Every
 * transaction whose offsets are in {@code O} appended its state records before (1), so below
 * {@code H}; once the last stable offset reaches {@code H}, each of them is decided and visible to a
 * read-committed reader. So the table read up to {@code E} holds every change before {@code O} (and
 * possibly a few after it, from transactions committed between (1) and (3): replaying those again
 * from {@code O} is harmless, the last change of each object wins).
 *
 * @param changesOffsets per partition of the change topic: every change before it is in the cut
 * @param changesEnd per partition of the change topic: its end when the cut was taken, to tell how
 *     far behind the table was
 * @param stateEnd per partition of the state table: where reading stops
 * @param takenAt when (3) completed
 */
record ResourceCut(Map<Integer, Long> changesOffsets, Map<Integer, Long> changesEnd, Map<Integer, Long> stateEnd,
    Instant takenAt) {

  private static final Duration WAIT_STEP = Duration.ofMillis(50);

  /** Changes the table had not yet processed when the cut was taken (they are replayed from the change log). */
  long pending() {
    long pending = 0;
    for (var entry : changesEnd.entrySet()) {
      pending += Math.max(0, entry.getValue() - changesOffsets.getOrDefault(entry.getKey(), 0L));
    }
    return pending;
  }

  static ResourceCut take(Admin admin, String applicationId, String changesTopic, String stateTopic, Clock clock,
      Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      List<TopicPartition> changes = partitions(admin, changesTopic, timeout);
      List<TopicPartition> state = partitions(admin, stateTopic, timeout);
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId,
              new ListConsumerGroupOffsetsOptions().requireStable(true))
          .partitionsToOffsetAndMetadata().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      Map<Integer, Long> changesOffsets = new TreeMap<>();
      for (TopicPartition tp : changes) {
        OffsetAndMetadata offset = committed.get(tp);
        changesOffsets.put(tp.partition(), offset == null ? 0L : offset.offset()); // none: the table has nothing from it
      }
      Map<Integer, Long> changesEnd = ends(admin, changes, IsolationLevel.READ_COMMITTED, timeout);
      Map<Integer, Long> high = ends(admin, state, IsolationLevel.READ_UNCOMMITTED, timeout);
      while (true) {
        Map<Integer, Long> stable = ends(admin, state, IsolationLevel.READ_COMMITTED, timeout);
        if (high.entrySet().stream().allMatch(e -> stable.get(e.getKey()) >= e.getValue())) {
          return new ResourceCut(changesOffsets, changesEnd, stable, clock.instant());
        }
        if (System.nanoTime() > deadline) {
          throw new RetriableFailure("the state table " + stateTopic + " still has open transactions below " + high
              + " (last stable offsets " + stable + ") after " + timeout.toSeconds() + " s");
        }
        Thread.sleep(WAIT_STEP.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RetriableFailure("interrupted while taking the resource cut", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new RetriableFailure("cannot read the offsets of " + changesTopic + " and " + stateTopic + ": " + e.getMessage(), e);
    }
  }

  private static List<TopicPartition> partitions(Admin admin, String topic, Duration timeout)
      throws InterruptedException, ExecutionException, TimeoutException {
    return admin.describeTopics(List.of(topic)).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .get(topic).partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
  }

  private static Map<Integer, Long> ends(Admin admin, List<TopicPartition> partitions, IsolationLevel isolation,
      Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    partitions.forEach(tp -> request.put(tp, OffsetSpec.latest()));
    Map<Integer, Long> ends = new TreeMap<>();
    admin.listOffsets(request, new ListOffsetsOptions(isolation)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .forEach((tp, info) -> ends.put(tp.partition(), info.offset()));
    return ends;
  }
}
