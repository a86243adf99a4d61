package dev.lifeboat.commands;

import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.topics.TopicReader;
import dev.lifeboat.schemas.topics.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which commands were handled, so that a command delivered twice runs once. Held in memory and
 * rebuilt at start from {@code lifeboat.audit} (keyed by correlation id, long retention): every
 * command the worker answered has an ACCEPTED or REJECTED event there before its offset is
 * committed. Only the audit events since the oldest record still on the commands topic are read:
 * an older command can no longer be delivered.
 */
final class CommandLedger {
  private static final Logger log = LoggerFactory.getLogger(CommandLedger.class);
  /** Record times come from producers' clocks: read the audit from a little earlier than the oldest command. */
  static final Duration CLOCK_MARGIN = Duration.ofHours(1);

  enum State {
    RUNNING,
    DONE
  }

  /** A command accepted before the restart that never finished: what its events need. */
  record Unfinished(String commandId, String action, String actor, String subject) {}

  /** The ledger as rebuilt, and the commands that were accepted but never finished. */
  record Rebuilt(CommandLedger ledger, List<Unfinished> unfinished, long eventsRead) {}

  private final Map<String, State> states = new ConcurrentHashMap<>();

  /** The state of a command id, or null when it was never seen. */
  State state(String commandId) {
    return states.get(commandId);
  }

  void running(String commandId) {
    states.put(commandId, State.RUNNING);
  }

  void done(String commandId) {
    states.put(commandId, State.DONE);
  }

  int size() {
    return states.size();
  }

  /**
   * Reads the commands worker's audit events of {@code cluster} since the oldest record on {@code
   * commandsTopic} (the topics may be shared with the Lifeboats of other clusters: their commands are
   * theirs to remember).
   */
  static Rebuilt rebuild(KafkaClients kafka, AvroDeserializer<Object> deserializer, String commandsTopic, String cluster,
      Duration timeout) {
    CommandLedger ledger = new CommandLedger();
    Map<String, Unfinished> accepted = new LinkedHashMap<>();
    long[] read = {0};
    Map<String, Object> props = kafka.consumerProperties("lifeboat-commands-ledger-" + UUID.randomUUID());
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
    Instant oldest;
    try (KafkaConsumer<byte[], byte[]> commands = new KafkaConsumer<>(props)) {
      oldest = oldestRecord(commands, commandsTopic, timeout);
    }
    if (oldest == null) {
      log.info("No commands on {}: nothing to remember", commandsTopic);
      return new Rebuilt(ledger, List.of(), 0);
    }
    try (TopicReader reader = TopicReader.open(props, "the audit of commands").requestTimeout(timeout)) {
      List<TopicPartition> partitions = reader.partitions(Topics.AUDIT);
      reader.readToEnd(reader.offsetsAt(partitions, oldest.minus(CLOCK_MARGIN)), r -> {
        read[0]++;
        AuditEvent event = decode(deserializer, r);
        if (event == null || !CommandAudit.isCommandEvent(event) || event.getHeader().getCorrelationId() == null
            || !cluster.equals(event.getHeader().getCluster())) {
          return;
        }
        String id = event.getHeader().getCorrelationId();
        if (event.getOutcome() == AuditOutcome.ACCEPTED) {
          accepted.put(id, new Unfinished(id, event.getAction(), event.getActor(), event.getSubject()));
          ledger.running(id);
        } else if (CommandAudit.isTerminal(event.getOutcome())) {
          accepted.remove(id);
          ledger.done(id);
        }
      });
    }
    log.info("Commands ledger rebuilt from {} audit events: {} commands known, {} accepted but never finished",
        read[0], ledger.size(), accepted.size());
    return new Rebuilt(ledger, List.copyOf(accepted.values()), read[0]);
  }

  /** The time of the oldest record on the topic, or null when it holds none. */
  private static Instant oldestRecord(KafkaConsumer<byte[], byte[]> consumer, String topic, Duration timeout) {
    List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
        .map(p -> new TopicPartition(topic, p.partition())).toList();
    consumer.assign(partitions);
    Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, timeout);
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
    List<TopicPartition> nonEmpty = partitions.stream().filter(p -> begin.get(p) < end.get(p)).toList();
    if (nonEmpty.isEmpty()) {
      return null;
    }
    consumer.assign(nonEmpty);
    nonEmpty.forEach(p -> consumer.seek(p, begin.get(p)));
    Map<TopicPartition, Long> first = new HashMap<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (first.size() < nonEmpty.size() && System.nanoTime() < deadline) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        TopicPartition p = new TopicPartition(r.topic(), r.partition());
        first.putIfAbsent(p, r.timestamp());
        consumer.pause(List.of(p));
      }
    }
    if (first.size() < nonEmpty.size()) {
      // a transaction marker or compacted gap: read the whole retention to be safe
      return Instant.EPOCH.plus(CLOCK_MARGIN);
    }
    return Instant.ofEpochMilli(first.values().stream().mapToLong(Long::longValue).min().orElseThrow());
  }

  private static AuditEvent decode(AvroDeserializer<Object> deserializer, ConsumerRecord<byte[], byte[]> r) {
    try {
      return deserializer.decode(r.topic(), r.partition(), r.offset(), r.value()) instanceof AuditEvent e ? e : null;
    } catch (RuntimeException e) {
      log.debug("Skipping {}-{}@{} while rebuilding the commands ledger: {}", r.topic(), r.partition(), r.offset(), e.toString());
      return null;
    }
  }
}
