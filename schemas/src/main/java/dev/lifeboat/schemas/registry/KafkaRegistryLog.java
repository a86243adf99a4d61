package dev.lifeboat.schemas.registry;

import dev.lifeboat.schemas.topics.TopicFollower;
import dev.lifeboat.schemas.topics.TopicReadTimeoutException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's topic: a single-partition compacted topic that a {@link TopicFollower} reads from
 * the beginning and applies, record by record, to a {@link RegistryState}. Writers append records
 * and wait until the follower has applied them, so every answer reflects the log up to that point.
 */
final class KafkaRegistryLog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KafkaRegistryLog.class);
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final TopicPartition partition;
  private final Duration timeout;
  private final RegistryState state;
  private final String clientId;
  private final Admin admin;
  private final KafkaProducer<byte[], byte[]> producer;
  private TopicFollower follower;

  private KafkaRegistryLog(String bootstrapServers, String topic, Duration timeout, RegistryState state) {
    this.partition = new TopicPartition(topic, 0);
    this.timeout = timeout;
    this.state = state;
    this.clientId = "lifeboat-schema-registry-" + INSTANCES.incrementAndGet();
    this.admin = Admin.create(adminConfig(bootstrapServers, clientId, timeout));
    try {
      this.producer = new KafkaProducer<>(producerConfig(bootstrapServers, clientId, timeout));
    } catch (RuntimeException e) {
      admin.close(Duration.ZERO);
      throw e;
    }
  }

  /** Opens the topic (creating it if missing) and returns once everything in it has been applied. */
  static KafkaRegistryLog open(String bootstrapServers, String topic, Duration timeout, RegistryState state) {
    KafkaRegistryLog registryLog = new KafkaRegistryLog(bootstrapServers, topic, timeout, state);
    try {
      RegistryTopic.ensure(registryLog.admin, topic, timeout);
      registryLog.follower = TopicFollower.start("schema-registry-" + topic,
          new KafkaConsumer<>(consumerConfig(bootstrapServers, registryLog.clientId)), registryLog.admin,
          List.of(registryLog.partition), registryLog::apply);
      registryLog.producer.partitionsFor(topic); // fetch metadata now rather than on the first write
      registryLog.catchUp();
      return registryLog;
    } catch (RuntimeException e) {
      registryLog.close();
      throw e;
    }
  }

  /** Appends a record and returns its offset once the broker has it on every in-sync replica. */
  long append(RegistryRecord record) {
    ProducerRecord<byte[], byte[]> producerRecord = new ProducerRecord<>(partition.topic(),
        partition.partition(), RegistryRecordCodec.key(record), RegistryRecordCodec.value(record));
    try {
      return producer.send(producerRecord).get(timeout.toMillis(), TimeUnit.MILLISECONDS).offset();
    } catch (TimeoutException e) {
      throw RegistryErrors.timeout("Timed out writing to the Kafka store topic " + partition.topic());
    } catch (ExecutionException e) {
      throw RegistryErrors.storeError("Error while writing to the Kafka store topic "
          + partition.topic() + ": " + e.getCause().getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw RegistryErrors.timeout("Interrupted writing to the Kafka store");
    }
  }

  /** Waits until the state holds every record the topic held when this was called. */
  void catchUp() {
    long end;
    try {
      end = follower.endOffsets(timeout).get(partition);
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      throw RegistryErrors.timeout("Timed out reading the end of the Kafka store topic " + partition.topic());
    } catch (InterruptException e) {
      throw RegistryErrors.timeout("Interrupted reading the Kafka store");
    } catch (KafkaException e) {
      throw RegistryErrors.storeError("Error while reading the end of the Kafka store topic "
          + partition.topic() + ": " + e.getMessage());
    }
    awaitApplied(end);
  }

  /**
   * Waits until every record before {@code offset} has been applied to the state. Gives up when
   * the follower made no progress for the timeout, so reading a long topic at start-up is not cut
   * short while a stalled one is.
   */
  void awaitApplied(long offset) {
    try {
      follower.awaitPosition(partition, offset, timeout);
    } catch (TopicReadTimeoutException e) {
      throw RegistryErrors.timeout("Timed out waiting for the Kafka store topic "
          + partition.topic() + " to reach offset " + offset + " (at " + e.positions().get(partition) + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw RegistryErrors.timeout("Interrupted waiting for the Kafka store");
    }
  }

  private void apply(ConsumerRecord<byte[], byte[]> record) {
    Optional<RegistryRecord> decoded;
    try {
      decoded = RegistryRecordCodec.decode(record.key(), record.value());
    } catch (IllegalArgumentException e) {
      log.warn("Skipping malformed record at offset {} of {}: {}", record.offset(), partition, e.getMessage());
      return;
    }
    if (decoded.isEmpty()) {
      log.debug("Skipping record of unknown type at offset {} of {}", record.offset(), partition);
      return;
    }
    boolean applied = state.apply(decoded.get());
    log.debug("Offset {} of {}: {} {}", record.offset(), partition, applied ? "applied" : "rejected", decoded.get());
  }

  @Override
  public void close() {
    if (follower != null) {
      follower.close(timeout);
    }
    producer.close(Duration.ofSeconds(5));
    admin.close(Duration.ofSeconds(5));
  }

  private static Map<String, Object> adminConfig(String bootstrapServers, String clientId, Duration timeout) {
    Map<String, Object> config = new HashMap<>();
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId + "-admin");
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 30_000));
    return config;
  }

  private static Map<String, Object> producerConfig(String bootstrapServers, String clientId, Duration timeout) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId + "-writer");
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout.toMillis());
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return config;
  }

  private static Map<String, Object> consumerConfig(String bootstrapServers, String clientId) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-reader");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return config;
  }
}
