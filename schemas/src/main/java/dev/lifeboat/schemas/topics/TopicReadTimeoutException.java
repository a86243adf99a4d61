package dev.lifeboat.schemas.topics;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * A read did not reach its end offsets in time (see {@link TopicReader} and {@link TopicFollower}).
 * A Kafka {@link TimeoutException}, so callers that classify errors treat it as retriable.
 */
public class TopicReadTimeoutException extends TimeoutException {
  private static final long serialVersionUID = 1L;

  private final transient Map<TopicPartition, Long> positions;
  private final transient Map<TopicPartition, Long> ends;

  public TopicReadTimeoutException(String message, Map<TopicPartition, Long> positions, Map<TopicPartition, Long> ends) {
    super(message);
    this.positions = Map.copyOf(positions);
    this.ends = Map.copyOf(ends);
  }

  /** Where reading stood when it gave up, for the partitions that had not reached their end. */
  public Map<TopicPartition, Long> positions() {
    return positions;
  }

  /** The end offsets it was reading to, for the same partitions. */
  public Map<TopicPartition, Long> ends() {
    return ends;
  }
}
