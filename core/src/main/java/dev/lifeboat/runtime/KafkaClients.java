package dev.lifeboat.runtime;

import dev.lifeboat.schemas.topics.TopicCatalog;
import dev.lifeboat.schemas.topics.TopicReader;
import dev.lifeboat.config.KafkaSecurityConfig;
import dev.lifeboat.config.LifeboatConfig.KafkaConfig;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Builds Kafka clients with Lifeboat's settings: idempotent producers with acks=all and
 * compression, consumers that commit only what was processed and read only committed data. Extra
 * client properties from configuration and the TLS and SASL settings of {@code kafka.security}
 * apply to every client (admin clients and Kafka Streams apps too: they start from {@link #common()}).
 */
public final class KafkaClients {
  public static final String DEFAULT_COMPRESSION = "gzip";
  private static final Set<String> SECRET_PROPERTIES = secretProperties();

  private final String bootstrapServers;
  private final Map<String, Object> extra;
  private final KafkaSecurityConfig security;

  /**
   * @param security how clients connect; its properties are made again for each new client, so a
   *     client certificate renewed on disk is used by the clients made after the renewal
   */
  public KafkaClients(String bootstrapServers, Map<String, ?> extra, KafkaSecurityConfig security) {
    this.bootstrapServers = bootstrapServers;
    this.extra = Map.copyOf(extra);
    this.security = Objects.requireNonNull(security, "security");
  }

  /** Plaintext clients; {@code extra} may hold security properties of its own. */
  public KafkaClients(String bootstrapServers, Map<String, ?> extra) {
    this(bootstrapServers, extra, KafkaSecurityConfig.PLAINTEXT);
  }

  public KafkaClients(String bootstrapServers) {
    this(bootstrapServers, Map.of());
  }

  /** The clients a configuration describes: its bootstrap servers, extra properties, compression and security. */
  public static KafkaClients of(KafkaConfig kafka) {
    return new KafkaClients(kafka.bootstrapServers(), kafka.clientProperties(), kafka.security());
  }

  /** The same clients with one more (or another) producer setting, e.g. a topic's own compression. */
  public KafkaClients withProducerProperty(String key, Object value) {
    Map<String, Object> more = new HashMap<>(extra);
    more.put(key, value);
    return new KafkaClients(bootstrapServers, more, security);
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  public Map<String, Object> common() {
    Map<String, Object> props = new HashMap<>(extra);
    props.putAll(security.clientProperties());
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
    // Every record the catalog's topics take can be sent (a whole Kubernetes object, a dead letter of one).
    props.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, TopicCatalog.MAX_RECORD_BYTES);
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

  /**
   * A transactional producer: {@code transactionalId} must be stable across restarts of the same
   * instance (a restarted instance then aborts what its predecessor left open at once) and unique among
   * running instances (two producers with one id fence each other). The caller calls {@code
   * initTransactions()}.
   */
  public KafkaProducer<byte[], byte[]> transactionalProducer(String clientId, String transactionalId) {
    Map<String, Object> props = producerProperties(clientId);
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    // A transaction holds one record's outputs and offset only, so it lasts milliseconds; a short timeout
    // lets the broker abort one left open by an instance that died and came back under another id.
    props.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 30_000);
    return new KafkaProducer<>(props);
  }

  public KafkaConsumer<byte[], byte[]> consumer(String groupId) {
    return new KafkaConsumer<>(consumerProperties(groupId));
  }

  /** A consumer with some settings of its own on top of Lifeboat's. */
  public KafkaConsumer<byte[], byte[]> consumer(String groupId, Map<String, Object> overrides) {
    Map<String, Object> props = consumerProperties(groupId);
    props.putAll(overrides);
    return new KafkaConsumer<>(props);
  }

  /**
   * The name of this process among the instances of a deployment, which transactional ids end with:
   * the system property {@code lifeboat.instance}, else the environment variable {@code
   * LIFEBOAT_INSTANCE}, else {@code HOSTNAME} (a pod's name in Kubernetes), else the host's name.
   */
  public static String instanceId() {
    String id = System.getProperty("lifeboat.instance");
    if (id == null || id.isBlank()) {
      id = System.getenv("LIFEBOAT_INSTANCE");
    }
    if (id == null || id.isBlank()) {
      id = System.getenv("HOSTNAME");
    }
    if (id == null || id.isBlank()) {
      try {
        id = java.net.InetAddress.getLocalHost().getHostName();
      } catch (java.io.IOException e) {
        id = "lifeboat";
      }
    }
    return id;
  }

  /**
   * Reads topics to their end ({@link TopicReader}) with these clients' settings, reading committed
   * data without a group.
   *
   * @param clientId names the consumer (made unique here)
   * @param what what is read, for logs and errors
   */
  public TopicReader topicReader(String clientId, String what) {
    return TopicReader.open(consumerProperties(clientId + "-" + UUID.randomUUID()), what);
  }

  public Admin admin() {
    return Admin.create(common());
  }

  /** The bootstrap servers, the extra properties with every password-typed one hidden, and the security settings (secrets hidden). */
  @Override
  public String toString() {
    Map<String, Object> shown = new TreeMap<>();
    extra.forEach((key, value) -> shown.put(key, SECRET_PROPERTIES.contains(key) ? Password.HIDDEN : value));
    return "KafkaClients[bootstrapServers=" + bootstrapServers + ", properties=" + shown + ", security=" + security + "]";
  }

  /** The client properties Kafka itself treats as secrets (type PASSWORD: sasl.jaas.config, ssl.key.password, ...). */
  private static Set<String> secretProperties() {
    Set<String> names = new HashSet<>();
    for (ConfigDef def : List.of(ProducerConfig.configDef(), ConsumerConfig.configDef(), AdminClientConfig.configDef())) {
      def.configKeys().forEach((name, key) -> {
        if (key.type == ConfigDef.Type.PASSWORD) {
          names.add(name);
        }
      });
    }
    return Set.copyOf(names);
  }
}
