package dev.lifeboat.runtime;

import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Sends a record no worker could process to {@code lifeboat.dlq}: the original key and value byte
 * for byte, the original headers, and headers naming where it came from and why it failed.
 */
public final class DeadLetterPublisher {
  public static final String HEADER_TOPIC = "lifeboat.dlq.topic";
  public static final String HEADER_PARTITION = "lifeboat.dlq.partition";
  public static final String HEADER_OFFSET = "lifeboat.dlq.offset";
  public static final String HEADER_ERROR_CLASS = "lifeboat.dlq.error.class";
  public static final String HEADER_ERROR = "lifeboat.dlq.error";
  public static final String HEADER_WORKER = "lifeboat.dlq.worker";
  public static final String HEADER_TIME = "lifeboat.dlq.time";

  private final Producer<byte[], byte[]> producer;
  private final Clock clock;

  public DeadLetterPublisher(Producer<byte[], byte[]> producer, Clock clock) {
    this.producer = producer;
    this.clock = clock;
  }

  public Future<RecordMetadata> publish(ConsumerRecord<byte[], byte[]> record, String worker, Throwable error) {
    return producer.send(deadLetter(record.topic(), record.partition(), record.offset(), record.key(), record.value(),
        record.headers(), worker, error, clock.instant()));
  }

  /**
   * The dead letter of a record, ready to send: for callers that produce it themselves (a Kafka
   * Streams error handler hands it back to Streams, which sends it in the task's transaction).
   */
  public static ProducerRecord<byte[], byte[]> deadLetter(String topic, int partition, long offset, byte[] key,
      byte[] value, Headers original, String worker, Throwable error, Instant time) {
    RecordHeaders headers = new RecordHeaders(original == null ? new Header[0] : original.toArray());
    add(headers, HEADER_TOPIC, topic);
    add(headers, HEADER_PARTITION, Integer.toString(partition));
    add(headers, HEADER_OFFSET, Long.toString(offset));
    add(headers, HEADER_ERROR_CLASS, error.getClass().getName());
    add(headers, HEADER_ERROR, ErrorClassifier.describe(error));
    add(headers, HEADER_WORKER, worker);
    add(headers, HEADER_TIME, time.toString());
    return new ProducerRecord<>(Topics.DLQ, null, key, value, headers);
  }

  private static void add(RecordHeaders headers, String key, String value) {
    headers.add(key, value.getBytes(StandardCharsets.UTF_8));
  }
}
