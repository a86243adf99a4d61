package dev.lifeboat.watcher;

import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.serde.AvroSerializer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
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
 * record's future fails and the caller decides what to send again.
 *
 * <p>Callers never wait on the producer: a record is handed to a sender thread of this sink, which
 * alone calls {@code KafkaProducer.send} (that call blocks while the producer has no metadata for the
 * topic, which is the case soon after the broker goes away), in the order records were taken. At most
 * {@code maxInFlight} records and 32 MiB wait for acknowledgement, queued or sent, so memory stays
 * bounded however long the broker is away.
 */
public final class KafkaRecordSink implements RecordSink, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KafkaRecordSink.class);
  static final Duration DEFAULT_DELIVERY_TIMEOUT = Duration.ofMinutes(2);
  /** A delivery timeout that never expires: the producer retries until the broker takes the record. */
  public static final Duration UNTIL_DELIVERED = Duration.ofMillis(Integer.MAX_VALUE);
  private static final long LINGER_MS = 5;
  private static final long BUFFER_BYTES = 64L * 1024 * 1024;

  private record Outgoing(ProducerRecord<byte[], byte[]> record, long size, CompletableFuture<Void> acked) {}

  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaClientMetrics metrics;
  private final MeterRegistry meters;
  private final Gauge inFlightGauge;
  private final AvroSerializer<Object> serializer;
  private final int maxInFlight;
  private final long maxInFlightBytes = BUFFER_BYTES / 2;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<Outgoing> queue = new ArrayDeque<>();
  private final Thread sender;
  private int records;
  private long bytes;
  private boolean sending;
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
    // How long the sender thread waits for metadata before a record counts as refused. Records wait for
    // room in this sink, never in the producer's buffer, which holds twice what may be in flight.
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, deliveryTimeout.equals(UNTIL_DELIVERED) ? Long.MAX_VALUE : Math.min(60_000L, delivery));
    props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, BUFFER_BYTES);
    this.producer = new KafkaProducer<>(props);
    this.metrics = new KafkaClientMetrics(producer);
    metrics.bindTo(meters);
    this.serializer = serializer;
    this.maxInFlight = maxInFlight;
    this.meters = meters;
    this.inFlightGauge = Gauge.builder("lifeboat.watcher.in.flight", this, KafkaRecordSink::inFlight).tag("producer", clientId)
        .description("Records taken and not yet acknowledged").register(meters);
    this.sender = new Thread(this::sendLoop, "lifeboat-sink-" + clientId);
    sender.setDaemon(true);
    sender.start();
  }

  @Override
  public Optional<CompletableFuture<Void>> trySend(String topic, String key, Object value) {
    byte[] bytes = serializer.serialize(topic, value);
    return Optional.ofNullable(take(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), bytes), false));
  }

  @Override
  public CompletableFuture<Void> send(String topic, String key, Object value) {
    byte[] bytes = serializer.serialize(topic, value);
    return sendRaw(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), bytes));
  }

  @Override
  public CompletableFuture<Void> sendRaw(ProducerRecord<byte[], byte[]> record) {
    return take(record, true);
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
        nanos = changed.awaitNanos(nanos);
      }
      return !closed;
    } finally {
      lock.unlock();
    }
  }

  /** Queues the record for the sender thread if there is room (or, when {@code wait}, once there is); null if none. */
  private CompletableFuture<Void> take(ProducerRecord<byte[], byte[]> record, boolean wait) {
    long size = (record.key() == null ? 0 : record.key().length) + (record.value() == null ? 0 : record.value().length);
    lock.lock();
    try {
      while (!closed && !hasRoom(size)) {
        if (!wait) {
          return null;
        }
        changed.awaitUninterruptibly();
      }
      if (closed) {
        return CompletableFuture.failedFuture(new IllegalStateException("the record sink is closed"));
      }
      records++;
      bytes += size;
      Outgoing out = new Outgoing(record, size, new CompletableFuture<>());
      queue.addLast(out);
      changed.signalAll();
      return out.acked;
    } finally {
      lock.unlock();
    }
  }

  /** Room for one more record of {@code size}; a record larger than the byte budget goes when nothing else waits. */
  private boolean hasRoom(long size) {
    return records < maxInFlight && (bytes == 0 || bytes + size <= maxInFlightBytes);
  }

  private void sendLoop() {
    while (true) {
      Outgoing out;
      lock.lock();
      try {
        sending = false;
        changed.signalAll();
        while (queue.isEmpty() && !closed) {
          changed.awaitUninterruptibly();
        }
        if (queue.isEmpty()) {
          return;
        }
        out = queue.pollFirst();
        sending = true;
      } finally {
        lock.unlock();
      }
      try {
        producer.send(out.record, (metadata, error) -> {
          release(out.size);
          if (error == null) {
            out.acked.complete(null);
          } else {
            out.acked.completeExceptionally(error);
          }
        });
      } catch (RuntimeException e) {
        release(out.size);
        out.acked.completeExceptionally(e);
      }
    }
  }

  private void release(long size) {
    lock.lock();
    try {
      records--;
      bytes -= size;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  public int inFlight() {
    lock.lock();
    try {
      return records;
    } finally {
      lock.unlock();
    }
  }

  /** Waits until everything taken so far has been handed to the producer and acknowledged or refused. */
  public void flush() {
    lock.lock();
    try {
      while ((!queue.isEmpty() || sending) && !closed) {
        changed.awaitUninterruptibly();
      }
    } finally {
      lock.unlock();
    }
    producer.flush();
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    try {
      sender.join(Duration.ofSeconds(10).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(Duration.ofSeconds(10));
    metrics.close();
    meters.remove(inFlightGauge);
    log.debug("Record sink closed");
  }
}
