package dev.lifeboat.commands;

import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotFailed;
import dev.lifeboat.events.v1.SnapshotVerified;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the topics where the commands worker's requests are answered and completes the waiting
 * commands: a {@code SnapshotCompleted} or {@code SnapshotFailed} whose request id is a SnapshotNow's
 * command id, a {@code snapshot.coalesced} audit event correlated with it (a snapshot of the same
 * target that started after the request covers it), and a {@code SnapshotVerified} whose header's
 * correlation id is a VerifyNow's command id. It reads from the end of each topic as they were at
 * start; a command registers what it waits for before it sends its request, so no answer is missed.
 */
final class OutcomeTracker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OutcomeTracker.class);
  static final String SNAPSHOT_COALESCED = AuditActions.SNAPSHOT_COALESCED;

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final AvroDeserializer<Object> deserializer;
  private final Map<String, CompletableFuture<Object>> waiting = new ConcurrentHashMap<>();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Thread thread;
  private volatile boolean running = true;

  OutcomeTracker(KafkaClients kafka, AvroDeserializer<Object> deserializer, List<String> topics) {
    this.deserializer = deserializer;
    this.consumer = new KafkaConsumer<>(kafka.consumerProperties("lifeboat-commands-tracker-" + UUID.randomUUID()));
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : topics) {
      consumer.partitionsFor(topic, Duration.ofSeconds(30))
          .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
    }
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position); // fix the start now: answers to later requests come after it
    this.thread = new Thread(this::loop, "lifeboat-commands-tracker");
    thread.setDaemon(true);
    thread.start();
  }

  /** What will answer {@code id}: register before sending the request. */
  CompletableFuture<Object> await(String id) {
    return waiting.computeIfAbsent(id, k -> new CompletableFuture<>());
  }

  void forget(String id) {
    waiting.remove(id);
  }

  private void loop() {
    try {
      while (running) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (waiting.isEmpty()) {
            continue;
          }
          Object value;
          try {
            value = deserializer.decode(r.topic(), r.partition(), r.offset(), r.value());
          } catch (RuntimeException e) {
            continue; // not ours to judge: the topic's own consumers dead-letter it
          }
          String id = answers(value);
          CompletableFuture<Object> future = id == null ? null : waiting.remove(id);
          if (future != null) {
            future.complete(value);
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      log.error("The commands tracker stopped: {}", e.toString(), e);
      waiting.values().forEach(f -> f.completeExceptionally(e));
    } finally {
      consumer.close(Duration.ofSeconds(5));
      stopped.countDown();
    }
  }

  /** The command id an event answers, or null. */
  static String answers(Object value) {
    if (value instanceof SnapshotCompleted c) {
      return c.getRequestId();
    }
    if (value instanceof SnapshotFailed f) {
      return f.getRequestId();
    }
    if (value instanceof SnapshotVerified v) {
      return v.getHeader().getCorrelationId();
    }
    if (value instanceof AuditEvent a && SNAPSHOT_COALESCED.equals(a.getAction())) {
      return a.getHeader().getCorrelationId();
    }
    return null;
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      stopped.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
