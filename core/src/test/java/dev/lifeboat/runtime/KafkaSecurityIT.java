package dev.lifeboat.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.config.ConfigLoader;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.embedded.EmbeddedKafka;
import dev.lifeboat.embedded.SecureListeners;
import dev.lifeboat.embedded.tls.LocalPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka clients made from a parsed {@code kafka.security} section reach a broker over SASL_SSL
 * (SCRAM-SHA-512 and PLAIN) and over mutual TLS, and a wrong password or a missing client
 * certificate is refused with the authentication error, within the clients' timeouts.
 */
class KafkaSecurityIT {
  /** Passwords with what the JAAS syntax must escape: a quote, a backslash, a semicolon. */
  private static final String SCRAM_PASSWORD = "scr\"am\\pass;word";
  private static final String PLAIN_PASSWORD = "pl\"ain\\pass;word";
  private static final String KEY_PASSWORD = "key-password";
  private static final Duration WAIT = Duration.ofSeconds(20);
  /** Bounds every client call, so a refused client fails instead of retrying until the test times out. */
  private static final String TIMEOUTS = """
      properties:
        request.timeout.ms: 5000
        default.api.timeout.ms: 10000
        max.block.ms: 10000
      """;

  @TempDir static Path dir;
  private static LocalPki pki;
  private static EmbeddedKafka kafka;

  @BeforeAll
  static void broker() {
    pki = LocalPki.create(dir.resolve("pki"));
    kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0, SecureListeners.with(pki)
        .scramUser("lifeboat-scram", SCRAM_PASSWORD)
        .plainUser("lifeboat-plain", PLAIN_PASSWORD)
        .clientCertificates());
  }

  @AfterAll
  static void stop() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void scramSha512OverSaslSslProducesAndConsumes() throws Exception {
    KafkaClients clients = clients(kafka.saslSslBootstrapServers(), """
        protocol: SASL_SSL
        tls:
          caFile: %s
        sasl:
          mechanism: SCRAM-SHA-512
          username: lifeboat-scram
          password: ${KAFKA_PASSWORD}
        """.formatted(pki.caCertificate()), SCRAM_PASSWORD);

    assertRoundTrip(clients);
  }

  @Test
  void plainOverSaslSslProducesAndConsumes() throws Exception {
    KafkaClients clients = clients(kafka.saslSslBootstrapServers(), """
        protocol: SASL_SSL
        tls:
          caFile: %s
        sasl:
          mechanism: PLAIN
          username: lifeboat-plain
          password: ${KAFKA_PASSWORD}
        """.formatted(pki.caCertificate()), PLAIN_PASSWORD);

    assertRoundTrip(clients);
  }

  @Test
  void aClientCertificateOverSslProducesAndConsumes() throws Exception {
    KafkaClients clients = clients(kafka.sslBootstrapServers(), """
        protocol: SSL
        tls:
          caFile: %s
          certFile: %s
          keyFile: %s
        """.formatted(pki.caCertificate(), pki.client().certificate(), pki.client().privateKey()), "");

    assertRoundTrip(clients);
  }

  @Test
  void aClientCertificateWithAnEncryptedKeyAndItsPasswordOverSslProducesAndConsumes() throws Exception {
    Path key = pki.encryptedPrivateKey(pki.client(), LocalPki.KeyEncryption.PBES1_SHA1_3DES, KEY_PASSWORD);
    KafkaClients clients = clients(kafka.sslBootstrapServers(), """
        protocol: SSL
        tls:
          caFile: %s
          certFile: %s
          keyFile: %s
          keyPassword: ${KAFKA_PASSWORD}
        """.formatted(pki.caCertificate(), pki.client().certificate(), key), KEY_PASSWORD);

    assertRoundTrip(clients);
  }

  @Test
  void aWrongPasswordIsRefusedWithTheAuthenticationErrorNamingNoPassword() {
    String wrong = "not-" + SCRAM_PASSWORD;
    KafkaClients clients = clients(kafka.saslSslBootstrapServers(), """
        protocol: SASL_SSL
        tls: {caFile: %s}
        sasl: {mechanism: SCRAM-SHA-512, username: lifeboat-scram, password: "${KAFKA_PASSWORD}"}
        """.formatted(pki.caCertificate()), wrong);

    try (Admin admin = clients.admin()) {
      assertThatThrownBy(() -> admin.describeCluster().nodes().get(WAIT.toSeconds(), TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(SaslAuthenticationException.class)
          .hasMessageContaining("SCRAM-SHA-512")
          .hasMessageNotContaining(wrong);
    }
    try (KafkaProducer<byte[], byte[]> producer = clients.producer("wrong-password")) {
      assertThatThrownBy(() -> producer.send(new ProducerRecord<>("any", new byte[0])).get(WAIT.toSeconds(), TimeUnit.SECONDS))
          .hasRootCauseInstanceOf(SaslAuthenticationException.class);
    }
  }

  @Test
  void aClientWithoutACertificateIsRefusedByTheMutualTlsListener() {
    KafkaClients clients = clients(kafka.sslBootstrapServers(), """
        protocol: SSL
        tls: {caFile: %s}
        """.formatted(pki.caCertificate()), "");

    try (Admin admin = clients.admin()) {
      assertThatThrownBy(() -> admin.describeCluster().nodes().get(WAIT.toSeconds(), TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(SslAuthenticationException.class);
    }
  }

  /** Clients made as the process makes them: a configuration file parsed, then {@link KafkaClients#of}. */
  private static KafkaClients clients(String bootstrapServers, String security, String password) {
    String yaml = """
        kafka:
          bootstrapServers: %s
          replicationFactor: 1
        %s
          security:
        %s
        registry:
          url: http://127.0.0.1:8081
        stores:
          primary: {endpoint: http://127.0.0.1:9000, bucket: lifeboat-it, accessKey: a, secretKey: b}
        """.formatted(bootstrapServers, TIMEOUTS.indent(2).stripTrailing(), security.indent(4).stripTrailing());
    LifeboatConfig config = new ConfigLoader(Map.of("KAFKA_PASSWORD", password), List.of()).parse(yaml, "lifeboat.yaml");
    return KafkaClients.of(config.kafka());
  }

  /** Creates a topic, produces a record and reads it back, every step through {@code clients}. */
  private static void assertRoundTrip(KafkaClients clients) throws Exception {
    String topic = "security-it-" + UUID.randomUUID();
    byte[] value = ("over " + clients.common().get("security.protocol")).getBytes(StandardCharsets.UTF_8);
    try (Admin admin = clients.admin()) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
    try (KafkaProducer<byte[], byte[]> producer = clients.producer("security-it")) {
      producer.send(new ProducerRecord<>(topic, "key".getBytes(StandardCharsets.UTF_8), value)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
    TopicPartition partition = new TopicPartition(topic, 0);
    List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer("security-it-" + topic)) {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (read.isEmpty() && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(500)).forEach(read::add);
      }
    }
    assertThat(read).singleElement().satisfies(r -> assertThat(r.value()).isEqualTo(value));
  }
}
