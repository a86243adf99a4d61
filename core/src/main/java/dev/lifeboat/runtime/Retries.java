package dev.lifeboat.runtime;

import dev.lifeboat.retry.RetryPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.common.TopicPartition;

/**
 * A worker's retry bookkeeping: per partition, the record that failed retriably, how often, since
 * when, and when its partition may be read again. The handler thread records failures and successes;
 * the poll thread asks which partitions must stay paused and forgets the partitions it loses.
 */
final class Retries {
  private final RetryPolicy policy;
  private final Map<TopicPartition, State> states = new HashMap<>();

  Retries(RetryPolicy policy) {
    this.policy = policy;
  }

  /**
   * One failed attempt at a record.
   *
   * @param number attempts at this record so far, this one included
   * @param pastDeadline the record has been failing for longer than the policy's deadline
   * @param firstPastDeadline this is the first attempt that found the deadline passed
   * @param backoff the backoff before the record is read again
   */
  record Attempt(int number, boolean pastDeadline, boolean firstPastDeadline, Duration backoff) {}

  /** Records a failed attempt at {@code offset} and schedules its partition to be read again after a backoff. */
  synchronized Attempt failed(TopicPartition partition, long offset, Instant now) {
    State state = states.get(partition);
    if (state == null || state.offset != offset) {
      state = new State(offset, now);
      states.put(partition, state);
    }
    state.attempts++;
    boolean pastDeadline = now.isAfter(state.firstFailure.plus(policy.deadline()));
    boolean first = pastDeadline && !state.deadlineReported;
    state.deadlineReported |= pastDeadline;
    Duration backoff = policy.backoff(state.attempts, () -> ThreadLocalRandom.current().nextDouble());
    state.resumeAt = now.plus(backoff);
    return new Attempt(state.attempts, pastDeadline, first, backoff);
  }

  /** The partition's record went through (or was dead-lettered): its next failure starts afresh. */
  synchronized void succeeded(TopicPartition partition) {
    states.remove(partition);
  }

  /** Partitions this worker no longer reads. */
  synchronized void forget(Collection<TopicPartition> partitions) {
    partitions.forEach(states::remove);
  }

  synchronized void clear() {
    states.clear();
  }

  /** Partitions whose backoff has not run out yet: they stay paused. */
  synchronized Set<TopicPartition> waiting(Instant now) {
    Set<TopicPartition> waiting = new HashSet<>();
    states.forEach((partition, state) -> {
      if (state.resumeAt != null && now.isBefore(state.resumeAt)) {
        waiting.add(partition);
      }
    });
    return waiting;
  }

  /** Partitions with a record being retried. */
  synchronized int size() {
    return states.size();
  }

  private static final class State {
    final long offset;
    final Instant firstFailure;
    int attempts;
    Instant resumeAt;
    boolean deadlineReported;

    State(long offset, Instant firstFailure) {
      this.offset = offset;
      this.firstFailure = firstFailure;
    }
  }
}
