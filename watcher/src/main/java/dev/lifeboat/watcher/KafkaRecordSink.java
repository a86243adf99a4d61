package dev.lifeboat.watcher;

import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.serde.AvroSerializer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RecordSink} over an idempotent Kafka producer (acks=all). The producer retries a record
 * until {@code deliveryTimeout} passes; then (or at once, for an error retrying cannot cure) the
 * record's future fails and the caller decides what to send again. At most {@code maxInFlight}
 * records and half the producer's buffer in bytes wait unacknowledged, so memory stays bounded however
 * long the broker is away.
 */
public final class KafkaRecordSink implements RecordSink, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KafkaRecordSink.class);
  static final Duration DEFAULT_DELIVERY_TIMEOUT = Duration.ofMinutes(2);
  private static final long LINGER_MS = 5;
  private static final long BUFFER_BYTES = 64L * 1024 * 1024;

  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaClientMetrics metrics;
  private final AvroSerializer<Object> serializer;
  private final int maxInFlight;
  private final long maxInFlightBytes = BUFFER_BYTES / 2;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition roomFreed = lock.newCondition();
  private int records;
  private long bytes;
  private volatile boolean closed;

  public KafkaRecordSink(KafkaClients kafka, AvroSerializer<Object> serializer, int maxInFlight, String clientId,
      MeterRegistry meters) {
    this(kafka, serializer, maxInFlight, DEFAULT_DELIVERY_TIMEOUT, clientId, meters);
  }

  public KafkaRecordSink(KafkaClients kafka, AvroSerializer<Object> serializer, int maxInFlight, Duration deliveryTimeout,
      String clientId, MeterRegistry meters) {
    Map<String, Object> props = kafka.producerProperties(clientId);
    long delivery = deliveryTimeout.toMillis();
    props.put(ProducerConfig.LINGER_MS_CONFIG, (int) LINGER_MS);
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, delivery));
    // Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms.
    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(1, Math.min(30_000, delivery - LINGER_MS)));
    // A send waits for metadata at most this long (after that its record counts as refused); records
    // wait for room in this sink, never in the producer's buffer, which holds twice what may be in flight.
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000L);
    props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, BUFFER_BYTES);
    this.producer = new KafkaProducer<>(props);
    this.metrics = new KafkaClientMetrics(producer);
    metrics.bindTo(meters);
    this.serializer = serializer;
    this.maxInFlight = maxInFlight;
    Gauge.builder("lifeboat.watcher.in.flight", this, KafkaRecordSink::inFlight)
        .description("Records sent and not yet acknowledged").register(meters);
  }

  @Override
  public Optional<CompletableFuture<Void>> trySend(String topic, String key, Object value) {
    byte[] bytes = serializer.serialize(topic, value);
    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), bytes);
    if (!reserve(size(record))) {
      return Optional.empty();
    }
    return Optional.of(produce(record));
  }

  @Override
  public CompletableFuture<Void> send(String topic, String key, Object value) {
    byte[] bytes = serializer.serialize(topic, value);
    return sendRaw(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), bytes));
  }

  @Override
  public CompletableFuture<Void> sendRaw(ProducerRecord<byte[], byte[]> record) {
    long size = size(record);
    try {
      while (!reserve(size)) {
        awaitRoom(Duration.ofSeconds(1));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return CompletableFuture.failedFuture(e);
    }
    return produce(record);
  }

  @Override
  public boolean awaitRoom(Duration timeout) throws InterruptedException {
    long nanos = timeout.toNanos();
    lock.lock();
    try {
      while (!hasRoom(1) && !closed) {
        if (nanos <= 0) {
          return false;
        }
        nanos = roomFreed.awaitNanos(nanos);
      }
      return !closed;
    } finally {
      lock.unlock();
    }
  }

  private CompletableFuture<Void> produce(ProducerRecord<byte[], byte[]> record) {
    long size = size(record);
    CompletableFuture<Void> acked = new CompletableFuture<>();
    try {
      producer.send(record, (metadata, error) -> {
        release(size);
        if (error == null) {
          acked.complete(null);
        } else {
          acked.completeExceptionally(error);
        }
      });
    } catch (RuntimeException e) {
      release(size);
      acked.completeExceptionally(e);
    }
    return acked;
  }

  private boolean reserve(long size) {
    lock.lock();
    try {
      if (closed || !hasRoom(size)) {
        return false;
      }
      records++;
      bytes += size;
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Room for one more record of {@code size}; a record larger than the byte budget goes when nothing else waits. */
  private boolean hasRoom(long size) {
    return records < maxInFlight && (bytes == 0 || bytes + size <= maxInFlightBytes);
  }

  private void release(long size) {
    lock.lock();
    try {
      records--;
      bytes -= size;
      roomFreed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private static long size(ProducerRecord<byte[], byte[]> record) {
    return (record.key() == null ? 0 : record.key().length) + (record.value() == null ? 0 : record.value().length);
  }

  public int inFlight() {
    lock.lock();
    try {
      return records;
    } finally {
      lock.unlock();
    }
  }

  /** Waits until everything sent so far is acknowledged or refused. */
  public void flush() {
    producer.flush();
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      roomFreed.signalAll();
    } finally {
      lock.unlock();
    }
    producer.close(Duration.ofSeconds(10));
    metrics.close();
    log.debug("Record sink closed");
  }
}
