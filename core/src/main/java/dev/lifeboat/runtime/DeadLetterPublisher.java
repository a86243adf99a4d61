package dev.lifeboat.runtime;

import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The format of a record on {@code lifeboat.dlq}: the original key and value byte for byte, the
 * original headers, and headers naming where it came from and why it failed. {@link DeadLetters}
 * makes every dead letter with it, together with its audit event.
 */
public final class DeadLetterPublisher {
  public static final String HEADER_TOPIC = "lifeboat.dlq.topic";
  public static final String HEADER_PARTITION = "lifeboat.dlq.partition";
  public static final String HEADER_OFFSET = "lifeboat.dlq.offset";
  public static final String HEADER_ERROR_CLASS = "lifeboat.dlq.error.class";
  public static final String HEADER_ERROR = "lifeboat.dlq.error";
  public static final String HEADER_WORKER = "lifeboat.dlq.worker";
  public static final String HEADER_TIME = "lifeboat.dlq.time";

  private DeadLetterPublisher() {}

  /** The dead letter of a record, its error told by {@link ErrorClassifier#describe}. */
  public static ProducerRecord<byte[], byte[]> deadLetter(String topic, int partition, long offset, byte[] key,
      byte[] value, Headers original, String worker, Throwable error, Instant time) {
    return deadLetter(topic, partition, offset, key, value, original, worker, error, ErrorClassifier.describe(error), time);
  }

  /**
   * The dead letter of a record.
   *
   * @param partition -1 with offset -1 for something that never reached {@code topic}
   * @param errorText the error as the {@value #HEADER_ERROR} header tells it
   */
  public static ProducerRecord<byte[], byte[]> deadLetter(String topic, int partition, long offset, byte[] key,
      byte[] value, Headers original, String worker, Throwable error, String errorText, Instant time) {
    RecordHeaders headers = new RecordHeaders(original == null ? new Header[0] : original.toArray());
    add(headers, HEADER_TOPIC, topic);
    add(headers, HEADER_PARTITION, Integer.toString(partition));
    add(headers, HEADER_OFFSET, Long.toString(offset));
    add(headers, HEADER_ERROR_CLASS, error.getClass().getName());
    add(headers, HEADER_ERROR, errorText);
    add(headers, HEADER_WORKER, worker);
    add(headers, HEADER_TIME, time.toString());
    return new ProducerRecord<>(Topics.DLQ, null, key, value, headers);
  }

  private static void add(RecordHeaders headers, String key, String value) {
    headers.add(key, value.getBytes(StandardCharsets.UTF_8));
  }
}
