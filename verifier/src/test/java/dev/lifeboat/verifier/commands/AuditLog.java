package dev.lifeboat.verifier.commands;

import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.testing.TestStack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Follows lifeboat.audit from the moment it is made, in the background, for assertions. */
final class AuditLog implements AutoCloseable {
  private final List<AuditEvent> events = new ArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;

  AuditLog(TestStack stack) {
    AvroDeserializer<Object> deserializer = new AvroDeserializer<>(stack.registry());
    KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(stack.kafka().consumerProperties("it-audit-" + UUID.randomUUID()));
    List<TopicPartition> partitions = consumer.partitionsFor(Topics.AUDIT).stream()
        .map(p -> new TopicPartition(Topics.AUDIT, p.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position);
    thread = new Thread(() -> {
      try (consumer) {
        while (running) {
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
            if (deserializer.decode(r.topic(), r.partition(), r.offset(), r.value()) instanceof AuditEvent e) {
              synchronized (events) {
                events.add(e);
              }
            }
          }
        }
      }
    }, "it-audit-log");
    thread.setDaemon(true);
    thread.start();
  }

  List<AuditEvent> all() {
    synchronized (events) {
      return new ArrayList<>(events);
    }
  }

  List<AuditEvent> of(String correlationId) {
    return all().stream().filter(e -> correlationId.equals(e.getHeader().getCorrelationId())).toList();
  }

  /** Waits until {@code until} holds for everything seen, and returns it. */
  List<AuditEvent> await(Duration timeout, Predicate<List<AuditEvent>> until) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      List<AuditEvent> seen = all();
      if (until.test(seen)) {
        return seen;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("timed out after " + timeout + "; audit events seen: " + all().size());
  }

  /** Waits for the command's terminal event (REJECTED, SUCCEEDED, PARTIALLY_FAILED or FAILED) and returns it. */
  AuditEvent finished(String commandId, Duration timeout) throws InterruptedException {
    List<AuditEvent> seen = await(timeout, all -> all.stream().anyMatch(e -> commandId.equals(e.getHeader().getCorrelationId())
        && CommandAudit.isTerminal(e.getOutcome())));
    return seen.stream().filter(e -> commandId.equals(e.getHeader().getCorrelationId()) && CommandAudit.isTerminal(e.getOutcome()))
        .findFirst().orElseThrow();
  }

  AuditEvent awaitOutcome(String commandId, AuditOutcome outcome, Duration timeout) throws InterruptedException {
    List<AuditEvent> seen = await(timeout, all -> all.stream().anyMatch(e -> commandId.equals(e.getHeader().getCorrelationId())
        && e.getOutcome() == outcome));
    return seen.stream().filter(e -> commandId.equals(e.getHeader().getCorrelationId()) && e.getOutcome() == outcome)
        .findFirst().orElseThrow();
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(5000);
  }
}
