package dev.lifeboat.runtime;

import java.time.Instant;
import org.apache.kafka.common.header.Headers;

/**
 * One consumed record, its value already decoded (an Avro record for contract topics, or the raw
 * bytes when the worker asked for them).
 */
public record InboundRecord<V>(
    String topic, int partition, long offset, String key, V value, Headers headers, Instant timestamp) {

  /** {@code topic-partition@offset}: how logs, audit events and dead letters name a record. */
  public String position() {
    return topic + "-" + partition + "@" + offset;
  }
}
