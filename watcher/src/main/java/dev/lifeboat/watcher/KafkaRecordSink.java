package dev.lifeboat.watcher;

import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.serde.AvroSerializer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RecordSink} over an idempotent Kafka producer (acks=all) that never gives up on a record:
 * while the broker is unreachable the producer keeps retrying, in-flight records accumulate up to
 * {@code maxInFlight}, and then {@link #send} blocks until acknowledgements free room. Nothing is
 * dropped and memory stays bounded.
 */
public final class KafkaRecordSink implements RecordSink, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KafkaRecordSink.class);

  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaClientMetrics metrics;
  private final AvroSerializer<Object> serializer;
  private final Semaphore room;
  private final int maxInFlight;

  public KafkaRecordSink(KafkaClients kafka, AvroSerializer<Object> serializer, int maxInFlight, String clientId,
      MeterRegistry meters) {
    Map<String, Object> props = kafka.producerProperties(clientId);
    // Retry until the broker is back: the watcher must not lose a change because Kafka was down for a while.
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE);
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.MAX_VALUE);
    this.producer = new KafkaProducer<>(props);
    this.metrics = new KafkaClientMetrics(producer);
    metrics.bindTo(meters);
    this.serializer = serializer;
    this.maxInFlight = maxInFlight;
    this.room = new Semaphore(maxInFlight);
    Gauge.builder("lifeboat.watcher.in.flight", this, KafkaRecordSink::inFlight)
        .description("Records sent and not yet acknowledged").register(meters);
  }

  @Override
  public CompletableFuture<Void> send(String topic, String key, Object value) {
    byte[] bytes = serializer.serialize(topic, value);
    try {
      room.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Void> acked = new CompletableFuture<>();
    try {
      producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), bytes), (metadata, error) -> {
        room.release();
        if (error == null) {
          acked.complete(null);
        } else {
          log.error("Kafka refused a record for {} key {}: {}", topic, key, error.toString());
          acked.completeExceptionally(error);
        }
      });
    } catch (RuntimeException e) {
      room.release();
      acked.completeExceptionally(e);
    }
    return acked;
  }

  public int inFlight() {
    return maxInFlight - room.availablePermits();
  }

  /** Waits until everything sent so far is acknowledged. */
  public void flush() {
    producer.flush();
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(10));
    metrics.close();
  }
}
