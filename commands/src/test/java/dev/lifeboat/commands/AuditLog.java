package dev.lifeboat.commands;

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
  private final java.util.Map<TopicPartition, Long> positions = new java.util.concurrent.ConcurrentHashMap<>();
  private final TestStack stack;
  private final Thread thread;
  private volatile boolean running = true;

  AuditLog(TestStack stack) {
    this.stack = stack;
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
          partitions.forEach(tp -> positions.put(tp, consumer.position(tp)));
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

  /**
   * Waits until everything on lifeboat.audit when the call begins has been seen: after it, an event
   * that is not in {@link #all()} was not written before the call.
   */
  void awaitCaughtUp(Duration timeout) throws InterruptedException {
    java.util.Map<TopicPartition, Long> end;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(stack.kafka().consumerProperties("it-audit-end-" + UUID.randomUUID()))) {
      end = consumer.endOffsets(consumer.partitionsFor(Topics.AUDIT).stream()
          .map(p -> new TopicPartition(Topics.AUDIT, p.partition())).toList());
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!end.entrySet().stream().allMatch(e -> positions.getOrDefault(e.getKey(), 0L) >= e.getValue())) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the audit log did not reach " + end + " within " + timeout + "; at " + positions);
      }
      Thread.sleep(50);
    }
  }

  /**
   * Waits for the command's terminal event (REJECTED, SUCCEEDED, PARTIALLY_FAILED or FAILED) and returns it: the
   * command's own, not one of the events of its work correlated with it (an application hook's).
   */
  AuditEvent finished(String commandId, Duration timeout) throws InterruptedException {
    List<AuditEvent> seen = await(timeout, all -> all.stream().anyMatch(e -> commandId.equals(e.getHeader().getCorrelationId())
        && CommandAudit.isCommandEvent(e) && CommandAudit.isTerminal(e.getOutcome())));
    return seen.stream().filter(e -> commandId.equals(e.getHeader().getCorrelationId()) && CommandAudit.isCommandEvent(e)
        && CommandAudit.isTerminal(e.getOutcome())).findFirst().orElseThrow();
  }

  AuditEvent awaitOutcome(String commandId, AuditOutcome outcome, Duration timeout) throws InterruptedException {
    List<AuditEvent> seen = await(timeout, all -> all.stream().anyMatch(e -> commandId.equals(e.getHeader().getCorrelationId())
        && CommandAudit.isCommandEvent(e) && e.getOutcome() == outcome));
    return seen.stream().filter(e -> commandId.equals(e.getHeader().getCorrelationId()) && CommandAudit.isCommandEvent(e)
        && e.getOutcome() == outcome).findFirst().orElseThrow();
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(5000);
  }
}
