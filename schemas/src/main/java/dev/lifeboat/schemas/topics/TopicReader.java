package dev.lifeboat.schemas.topics;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads partitions from a start (their beginning, or given offsets) up to end offsets fixed when the
 * read begins (the read-committed end offsets of that moment, or given ones), handing each record to
 * a callback: every record committed before the read began, and nothing after it. What Kafka
 * Connect's {@code KafkaBasedLog.readToEnd()} does for its logs, for the readers that rebuild state
 * from a topic once (the watcher's published state, the verifier's proofs, the commands ledger, a
 * snapshot of the state table, the CLI's snapshot list, the tests' "nothing else arrived").
 *
 * <p>A partition is read when the consumer's <em>position</em> has reached its end offset, not when a
 * record at {@code end - 1} was seen: the last offsets of a partition may hold no record a reader
 * gets (a transaction marker, an aborted transaction, records compaction removed), and the position
 * moves past them all the same. Records at or beyond the end offset are not handed over. The
 * consumer reads committed data only and joins no group; nothing is committed.
 *
 * <p>Bounds: none by default (a reader waits for the brokers as long as they are away, and says
 * every 30 s where it is); {@link #timeout} bounds the whole read, {@link #stallTimeout} the time
 * without progress; either ends the read with a {@link TopicReadTimeoutException}. One reader serves
 * one thread, for one read after another (each read assigns its own partitions).
 */
public final class TopicReader implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TopicReader.class);
  static final Duration POLL = Duration.ofMillis(200);
  private static final Duration REPORT_EVERY = Duration.ofSeconds(30);

  /** What is done with each record read; may throw, which ends the read with that exception. */
  @FunctionalInterface
  public interface RecordCallback<E extends Exception> {
    void accept(ConsumerRecord<byte[], byte[]> record) throws E;
  }

  /**
   * What one read came to.
   *
   * @param ends the end offsets it read to
   * @param records records handed to the callback
   */
  public record Progress(Map<TopicPartition, Long> ends, long records, Duration took) {}

  private final Consumer<byte[], byte[]> consumer;
  private final String name;
  private Duration requestTimeout = Duration.ofSeconds(30);
  private Duration timeout;
  private Duration stallTimeout;

  /**
   * A reader over a consumer the caller made (it must read committed data, as {@link #open} makes
   * it); {@link #close()} closes it.
   *
   * @param name what is read, for logs and errors ("the published volume history")
   */
  public TopicReader(Consumer<byte[], byte[]> consumer, String name) {
    this.consumer = consumer;
    this.name = name;
  }

  /**
   * A reader with a consumer of its own, made from {@code consumerProperties} (bootstrap servers,
   * security, client id, fetch sizes) with what reading to the end needs on top: read_committed, no
   * group, no commits, raw bytes.
   */
  public static TopicReader open(Map<String, Object> consumerProperties, String name) {
    Map<String, Object> props = new HashMap<>(consumerProperties);
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return new TopicReader(new KafkaConsumer<>(props), name);
  }

  /** Bounds the whole of each read (null: no bound). */
  public TopicReader timeout(Duration timeout) {
    this.timeout = timeout;
    return this;
  }

  /** Bounds the time a read may go without its position moving (null: no bound). */
  public TopicReader stallTimeout(Duration stallTimeout) {
    this.stallTimeout = stallTimeout;
    return this;
  }

  /** Bounds each request for metadata and offsets (30 s unless set). */
  public TopicReader requestTimeout(Duration requestTimeout) {
    this.requestTimeout = requestTimeout;
    return this;
  }

  /** The partitions of {@code topic} in order; none if the topic does not exist. */
  public List<TopicPartition> partitions(String topic) {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, requestTimeout);
    if (infos == null) {
      return List.of();
    }
    return infos.stream().map(p -> new TopicPartition(topic, p.partition()))
        .sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
  }

  /** The read-committed end offsets of {@code partitions} now. */
  public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
    return consumer.endOffsets(partitions, requestTimeout);
  }

  /**
   * Per partition, the first offset whose record is at or after {@code time}; the end offset for a
   * partition with no such record. A start for {@link #readToEnd(Map, RecordCallback)}.
   */
  public Map<TopicPartition, Long> offsetsAt(Collection<TopicPartition> partitions, Instant time) {
    Map<TopicPartition, Long> times = new HashMap<>();
    partitions.forEach(p -> times.put(p, time.toEpochMilli()));
    Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(times, requestTimeout);
    Map<TopicPartition, Long> ends = endOffsets(partitions);
    Map<TopicPartition, Long> starts = new LinkedHashMap<>();
    for (TopicPartition p : partitions) {
      OffsetAndTimestamp at = found.get(p);
      starts.put(p, at == null ? ends.get(p) : at.offset());
    }
    return starts;
  }

  /** Every partition of {@code topic}, from its beginning to its end offsets of now. */
  public <E extends Exception> Progress readToEnd(String topic, RecordCallback<E> callback) throws E {
    return read(partitions(topic), null, null, callback);
  }

  /** The given partitions, each from its offset in {@code from} to its end offset of now. */
  public <E extends Exception> Progress readToEnd(Map<TopicPartition, Long> from, RecordCallback<E> callback) throws E {
    return read(from.keySet(), from, null, callback);
  }

  /** The given partitions, each from its beginning to its offset in {@code ends}. */
  public <E extends Exception> Progress readUpTo(Map<TopicPartition, Long> ends, RecordCallback<E> callback) throws E {
    return read(ends.keySet(), null, ends, callback);
  }

  private <E extends Exception> Progress read(Collection<TopicPartition> partitions, Map<TopicPartition, Long> from,
      Map<TopicPartition, Long> upTo, RecordCallback<E> callback) throws E {
    long began = System.nanoTime();
    List<TopicPartition> assigned = new ArrayList<>(partitions);
    consumer.assign(assigned);
    if (assigned.isEmpty()) {
      return new Progress(Map.of(), 0, Duration.ZERO);
    }
    consumer.resume(assigned);
    if (from == null) {
      consumer.seekToBeginning(assigned);
    } else {
      from.forEach(consumer::seek);
    }
    Map<TopicPartition, Long> ends = Map.copyOf(upTo == null ? endOffsets(assigned) : upTo);
    Map<TopicPartition, Long> left = new HashMap<>();
    for (TopicPartition p : assigned) {
      long position = consumer.position(p, requestTimeout);
      if (position < ends.get(p)) {
        left.put(p, position);
      }
    }
    List<TopicPartition> done = new ArrayList<>(assigned);
    done.removeAll(left.keySet());
    consumer.pause(done);
    long records = 0;
    long lastMove = began;
    long nextReport = began + REPORT_EVERY.toNanos();
    while (!left.isEmpty()) {
      long now = System.nanoTime();
      if (timeout != null && now - began > timeout.toNanos()) {
        throw timedOut("within " + timeout, left, ends, records);
      }
      if (stallTimeout != null && now - lastMove > stallTimeout.toNanos()) {
        throw timedOut("(no progress for " + stallTimeout + ")", left, ends, records);
      }
      if (now - nextReport > 0) {
        nextReport = now + REPORT_EVERY.toNanos();
        log.info("Reading {} to its end: {} records so far, {} partitions to go ({})", name, records, left.size(),
            describe(left, ends));
      }
      for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
        Long end = ends.get(new TopicPartition(record.topic(), record.partition()));
        if (end != null && record.offset() < end) {
          records++;
          callback.accept(record);
        }
      }
      for (Iterator<Map.Entry<TopicPartition, Long>> it = left.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<TopicPartition, Long> entry = it.next();
        long position = consumer.position(entry.getKey(), requestTimeout);
        if (position != entry.getValue()) {
          entry.setValue(position);
          lastMove = System.nanoTime();
        }
        if (position >= ends.get(entry.getKey())) {
          it.remove();
          consumer.pause(List.of(entry.getKey()));
        }
      }
    }
    Duration took = Duration.ofNanos(System.nanoTime() - began);
    log.debug("Read {} to its end offsets {}: {} records in {} ms", name, ends, records, took.toMillis());
    return new Progress(ends, records, took);
  }

  private TopicReadTimeoutException timedOut(String bound, Map<TopicPartition, Long> left, Map<TopicPartition, Long> ends,
      long records) {
    Map<TopicPartition, Long> leftEnds = new HashMap<>(ends);
    leftEnds.keySet().retainAll(left.keySet());
    return new TopicReadTimeoutException("could not read " + name + " to its end " + bound + " (read " + records
        + " records; not at the end: " + describe(left, ends) + ")", left, leftEnds);
  }

  /** {@code topic-partition at position of end}, for the first few. */
  static String describe(Map<TopicPartition, Long> positions, Map<TopicPartition, Long> ends) {
    Set<TopicPartition> some = positions.keySet().stream().sorted(Comparator.comparing(TopicPartition::toString))
        .limit(5).collect(Collectors.toCollection(java.util.LinkedHashSet::new));
    String listed = some.stream().map(p -> p + " at " + positions.get(p) + " of " + ends.get(p))
        .collect(Collectors.joining(", "));
    return positions.size() > some.size() ? listed + ", ..." : listed;
  }

  @Override
  public void close() {
    consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
  }
}
