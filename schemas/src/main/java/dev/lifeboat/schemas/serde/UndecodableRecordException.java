package dev.lifeboat.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record's value cannot be decoded: too short, wrong magic byte, unknown schema id, or bytes that
 * are not valid Avro for the schema. Permanent: retrying will not help; the record belongs in the
 * dead-letter topic. The message names the topic, and the partition and offset when known.
 */
public class UndecodableRecordException extends SerializationException {
  private final String topic;
  private final int partition;
  private final long offset;

  public UndecodableRecordException(String topic, int partition, long offset, String reason, Throwable cause) {
    super(location(topic, partition, offset) + ": " + reason, cause);
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
  }

  public String topic() {
    return topic;
  }

  /** The partition, or -1 when the deserializer was not told. */
  public int partition() {
    return partition;
  }

  /** The offset, or -1 when the deserializer was not told. */
  public long offset() {
    return offset;
  }

  static String location(String topic, int partition, long offset) {
    if (partition < 0) {
      return "cannot decode record from topic " + topic;
    }
    return "cannot decode record " + topic + "-" + partition + "@" + offset;
  }
}
