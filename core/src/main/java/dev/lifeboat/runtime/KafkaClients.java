package dev.lifeboat.runtime;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Builds Kafka clients with Lifeboat's settings: idempotent producers with acks=all and
 * compression, consumers that commit only what was processed and read only committed data. Extra
 * client properties from configuration (security, SASL, TLS) apply to every client.
 */
public final class KafkaClients {
  public static final String DEFAULT_COMPRESSION = "gzip";

  private final String bootstrapServers;
  private final Map<String, Object> extra;

  public KafkaClients(String bootstrapServers, Map<String, ?> extra) {
    this.bootstrapServers = bootstrapServers;
    this.extra = Map.copyOf(extra);
  }

  public KafkaClients(String bootstrapServers) {
    this(bootstrapServers, Map.of());
  }

  /** The same clients with one more (or another) producer setting, e.g. a topic's own compression. */
  public KafkaClients withProducerProperty(String key, Object value) {
    Map<String, Object> more = new HashMap<>(extra);
    more.put(key, value);
    return new KafkaClients(bootstrapServers, more);
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  public Map<String, Object> common() {
    Map<String, Object> props = new HashMap<>(extra);
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.remove(ProducerConfig.COMPRESSION_TYPE_CONFIG); // producer-only: admin clients and consumers would warn about it
    return props;
  }

  public Map<String, Object> producerProperties(String clientId) {
    Map<String, Object> props = common();
    Object compression = extra.get(ProducerConfig.COMPRESSION_TYPE_CONFIG);
    if (compression != null) {
      props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
    }
    props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    // gzip is the one codec every Kafka client decodes without plugins (kafkajs needs extra codecs for
    // lz4, snappy and zstd); kafka.compression picks another when every consumer supports it.
    props.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, DEFAULT_COMPRESSION);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    props.putIfAbsent(ProducerConfig.BUFFER_MEMORY_CONFIG, 32L * 1024 * 1024);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return props;
  }

  public Map<String, Object> consumerProperties(String groupId) {
    Map<String, Object> props = common();
    props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, groupId);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return props;
  }

  public KafkaProducer<byte[], byte[]> producer(String clientId) {
    return new KafkaProducer<>(producerProperties(clientId));
  }

  public KafkaConsumer<byte[], byte[]> consumer(String groupId) {
    return new KafkaConsumer<>(consumerProperties(groupId));
  }

  public Admin admin() {
    return Admin.create(common());
  }
}
