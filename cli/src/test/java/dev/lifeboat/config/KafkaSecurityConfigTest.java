package dev.lifeboat.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.config.KafkaSecurityConfig.SaslMechanism;
import dev.lifeboat.embedded.tls.LocalPki;
import dev.lifeboat.embedded.tls.LocalPki.KeyEncryption;
import dev.lifeboat.runtime.KafkaClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.JaasContext;
import org.apache.kafka.common.security.ssl.DefaultSslEngineFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaSecurityConfigTest {
  /** Every character the JAAS syntax treats specially: quote, backslash, semicolon, equals, a line break. */
  private static final String PASSWORD = "p\"a\\ss;w=rd\nnext line";
  private static final String KEY_PASSWORD = "key-pass-7d1f";
  /** A PBES1 scheme: what Kafka decrypts on every JVM. */
  private static final KeyEncryption PBES1 = KeyEncryption.PBES1_SHA1_3DES;

  @TempDir static Path dir;
  private static LocalPki pki;

  private final Map<String, String> environment = new HashMap<>(Map.of("KAFKA_PASSWORD", PASSWORD, "KEY_PASSWORD", KEY_PASSWORD));

  @BeforeAll
  static void certificates() {
    pki = LocalPki.create(dir.resolve("pki"));
  }

  private LifeboatConfig parse(String kafkaSection) {
    return new ConfigLoader(environment, List.of()).parse(file(kafkaSection), "lifeboat.yaml");
  }

  private List<String> problems(String kafkaSection) {
    try {
      parse(kafkaSection);
    } catch (ConfigException e) {
      return e.problems();
    }
    throw new AssertionError("the configuration was accepted");
  }

  private static String file(String kafkaSection) {
    return """
        kafka:
          bootstrapServers: kafka-0:9093
        %s
        registry:
          url: http://registry:8081
        stores:
          primary:
            endpoint: https://s3.example.com
            bucket: lifeboat-backups
            accessKey: a
            secretKey: b
        """.formatted(kafkaSection.indent(2).stripTrailing());
  }

  @Test
  void withoutASecuritySectionClientsConnectInPlaintextAndNothingIsAdded() {
    LifeboatConfig config = parse("");

    assertThat(config.kafka().security()).isEqualTo(KafkaSecurityConfig.PLAINTEXT);
    assertThat(config.kafka().security().clientProperties()).isEmpty();
    assertThat(KafkaClients.of(config.kafka()).common()).doesNotContainKey(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG);
  }

  @Test
  void saslSslWithScramBecomesTheProtocolTheCaFileAndAJaasConfigKafkaParsesBackToTheCredentials() {
    LifeboatConfig config = parse("""
        security:
          protocol: SASL_SSL
          tls:
            caFile: %s
          sasl:
            mechanism: SCRAM-SHA-512
            username: lifeboat
            password: ${KAFKA_PASSWORD}
        """.formatted(pki.caCertificate()));

    Map<String, Object> props = KafkaClients.of(config.kafka()).common();
    assertThat(props)
        .containsEntry(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL")
        .containsEntry(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM")
        .containsEntry(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, pki.caCertificate().toString())
        .containsEntry(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512")
        .doesNotContainKeys(SslConfigs.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG, SslConfigs.SSL_KEYSTORE_TYPE_CONFIG);
    Password jaas = (Password) props.get(SaslConfigs.SASL_JAAS_CONFIG);
    assertThat(jaas.value()).startsWith("org.apache.kafka.common.security.scram.ScramLoginModule required ");
    var entries = JaasContext.loadClientContext(Map.of(SaslConfigs.SASL_JAAS_CONFIG, jaas)).configurationEntries();
    assertThat(entries).singleElement().satisfies(entry -> {
      assertThat(entry.getOptions().get("username")).isEqualTo("lifeboat");
      assertThat(entry.getOptions().get("password")).isEqualTo(PASSWORD);
    });
  }

  @Test
  void plainOverSaslPlaintextNeedsNoTlsSection() {
    KafkaSecurityConfig security = parse("""
        security:
          protocol: SASL_PLAINTEXT
          sasl: {mechanism: PLAIN, username: backup, password: "${KAFKA_PASSWORD}"}
        """).kafka().security();

    assertThat(security.sasl()).hasValueSatisfying(s -> assertThat(s.mechanism()).isEqualTo(SaslMechanism.PLAIN));
    Map<String, Object> props = security.clientProperties();
    assertThat(props).containsEntry(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT")
        .containsEntry(SaslConfigs.SASL_MECHANISM, "PLAIN").doesNotContainKey(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG);
    assertThat(((Password) props.get(SaslConfigs.SASL_JAAS_CONFIG)).value())
        .startsWith("org.apache.kafka.common.security.plain.PlainLoginModule required username=\"backup\"");
  }

  @Test
  void aClientCertificateInTwoFilesIsPassedAsPemContentAndInOneFileByLocation() throws Exception {
    KafkaSecurityConfig apart = parse("""
        security:
          protocol: SSL
          tls:
            caFile: %s
            certFile: %s
            keyFile: %s
            endpointIdentification: false
        """.formatted(pki.caCertificate(), pki.client().certificate(), pki.client().privateKey())).kafka().security();

    Map<String, Object> props = apart.clientProperties();
    assertThat(props).containsEntry(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL")
        .containsEntry(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PEM")
        .containsEntry(SslConfigs.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG, "")
        .doesNotContainKeys(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, SslConfigs.SSL_KEY_PASSWORD_CONFIG, SaslConfigs.SASL_MECHANISM);
    assertThat(((Password) props.get(SslConfigs.SSL_KEYSTORE_CERTIFICATE_CHAIN_CONFIG)).value())
        .isEqualTo(Files.readString(pki.client().certificate()));
    assertThat(((Password) props.get(SslConfigs.SSL_KEYSTORE_KEY_CONFIG)).value())
        .isEqualTo(Files.readString(pki.client().privateKey()));

    Path both = dir.resolve("client-both.pem");
    Files.writeString(both, Files.readString(pki.client().certificate()) + Files.readString(pki.client().privateKey()));
    KafkaSecurityConfig together = parse("""
        security:
          protocol: SSL
          tls: {certFile: %s, keyFile: %s}
        """.formatted(both, both)).kafka().security();
    assertThat(together.clientProperties()).containsEntry(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PEM")
        .containsEntry(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, both.toString())
        .doesNotContainKeys(SslConfigs.SSL_KEYSTORE_KEY_CONFIG, SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG);
  }

  @Test
  void aRenewedClientCertificateIsReadByTheNextClient() throws Exception {
    Path cert = Files.copy(pki.client().certificate(), dir.resolve("renewed.pem"));
    Path key = Files.copy(pki.client().privateKey(), dir.resolve("renewed-key.pem"));
    KafkaClients clients = KafkaClients.of(parse("""
        security:
          protocol: SSL
          tls: {certFile: %s, keyFile: %s}
        """.formatted(cert, key)).kafka());

    LocalPki.Credentials next = pki.issueClient("lifeboat-next");
    Files.copy(next.certificate(), cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.copy(next.privateKey(), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    assertThat(((Password) clients.common().get(SslConfigs.SSL_KEYSTORE_CERTIFICATE_CHAIN_CONFIG)).value())
        .isEqualTo(Files.readString(next.certificate()));
  }

  @Test
  void tlsKeysAreRefusedWithoutATlsProtocolAndSaslIsRequiredExactlyWithASaslProtocol() {
    String tls = "tls: {caFile: " + pki.caCertificate() + "}";
    String sasl = "sasl: {mechanism: PLAIN, username: u, password: p}";

    assertThat(problems("security: {protocol: PLAINTEXT, " + tls + "}")).containsExactly(
        "kafka.security.tls is set, but protocol is PLAINTEXT: TLS settings apply only with protocol SSL or SASL_SSL");
    assertThat(problems("security: {protocol: SASL_PLAINTEXT, " + tls + ", " + sasl + "}")).containsExactly(
        "kafka.security.tls is set, but protocol is SASL_PLAINTEXT: TLS settings apply only with protocol SSL or SASL_SSL");
    assertThat(problems("security: {protocol: SSL, " + sasl + "}")).containsExactly(
        "kafka.security.sasl is set, but protocol is SSL: SASL applies only with protocol SASL_SSL or SASL_PLAINTEXT");
    assertThat(problems("security: {protocol: SASL_SSL, " + tls + "}")).containsExactly(
        "kafka.security.sasl is required with protocol SASL_SSL: mechanism, username and password");
    assertThat(problems("security: {protocol: TLS}")).containsExactly(
        "kafka.security.protocol = \"TLS\" is invalid: valid values are PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL");
  }

  @Test
  void aSaslSectionNamesAnUnknownMechanismAMissingUserAndAnEmptyPassword() {
    environment.put("EMPTY", "");
    assertThat(problems("""
        security:
          protocol: SASL_SSL
          sasl: {mechanism: GSSAPI, password: "${EMPTY}", realm: x}
        """)).containsExactlyInAnyOrder(
        "kafka.security.sasl.mechanism = \"GSSAPI\" is invalid: valid values are PLAIN, SCRAM-SHA-256, SCRAM-SHA-512",
        "kafka.security.sasl.username is required: User name Lifeboat logs in as.",
        "kafka.security.sasl.password = (hidden) is invalid: valid values are a non-empty password",
        "kafka.security.sasl.realm is not a known key; known here: " + knownAsReported("password", "mechanism", "username"));
  }

  @Test
  void filesMustExistHoldPemAndACertificateNeedsItsKey() throws Exception {
    Path missing = dir.resolve("no-such-ca.pem");
    Path notPem = Files.writeString(dir.resolve("not-pem.txt"), "hello");
    assertThat(problems("""
        security:
          protocol: SSL
          tls: {caFile: %s, certFile: %s, keyPassword: x}
        """.formatted(missing, notPem))).containsExactlyInAnyOrder(
        "kafka.security.tls.caFile = " + missing + " does not exist",
        "kafka.security.tls.certFile is set without keyFile: a client certificate needs both (they may name one file holding both)",
        "kafka.security.tls.keyPassword is set without keyFile: it decrypts the client certificate's private key");
    assertThat(problems("""
        security:
          protocol: SSL
          tls: {caFile: %s, keyFile: %s}
        """.formatted(dir, pki.client().privateKey()))).containsExactlyInAnyOrder(
        "kafka.security.tls.caFile = " + dir + " is not a regular file",
        "kafka.security.tls.keyFile is set without certFile: a client certificate needs both (they may name one file holding both)");
    assertThat(problems("""
        security:
          protocol: SSL
          tls: {caFile: %s, certFile: %s, keyFile: %s}
        """.formatted(notPem, pki.client().privateKey(), pki.client().certificate()))).containsExactlyInAnyOrder(
        "kafka.security.tls.caFile = " + notPem + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
        "kafka.security.tls.certFile = " + pki.client().privateKey() + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
        "kafka.security.tls.keyFile = " + pki.client().certificate() + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
  }

  @Test
  void aKeyKafkaCannotReadOrAKeyPasswordThatDoesNotFitTheKeyIsNamed() throws Exception {
    Path pkcs1 = Files.writeString(dir.resolve("rsa-key.pem"), "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n");
    Path encrypted = pki.encryptedPrivateKey(pki.client(), PBES1, KEY_PASSWORD);
    String tls = "security: {protocol: SSL, tls: {certFile: %s, keyFile: %s%s}}";
    Path cert = pki.client().certificate();

    assertThat(problems(tls.formatted(cert, pkcs1, ""))).singleElement().asString()
        .startsWith("kafka.security.tls.keyFile = " + pkcs1 + " holds a private key in PKCS#1/SEC1 form")
        .contains("openssl pkcs8 -topk8 -nocrypt", "privateKey.encoding: PKCS8");
    assertThat(problems(tls.formatted(cert, encrypted, ""))).containsExactly(
        "kafka.security.tls.keyFile = " + encrypted + " holds an encrypted private key: set keyPassword too");
    assertThat(problems(tls.formatted(cert, pki.client().privateKey(), ", keyPassword: \"${KEY_PASSWORD}\""))).containsExactly(
        "kafka.security.tls.keyFile = " + pki.client().privateKey()
            + " holds an unencrypted private key, but keyPassword is set: remove keyPassword");
    assertThat(problems(tls.formatted(cert, encrypted, ", keyPassword: not-" + KEY_PASSWORD))).containsExactly(
        "kafka.security.tls.keyFile = " + encrypted + " cannot be decrypted with keyPassword (a wrong password?)");
    KafkaSecurityConfig withPassword = parse(tls.formatted(cert, encrypted, ", keyPassword: \"${KEY_PASSWORD}\"")).kafka().security();
    assertThat(((Password) withPassword.clientProperties().get(SslConfigs.SSL_KEY_PASSWORD_CONFIG)).value()).isEqualTo(KEY_PASSWORD);
  }

  /**
   * Kafka decrypts a PEM key with the JDK's SecretKeyFactory named by the key's scheme; Java 17 has
   * none for PBES2 (what {@code openssl pkcs8 -topk8} writes), later JDKs do. Whatever the JVM, the
   * start-up check accepts exactly the keys Kafka's own PEM reader loads.
   */
  @Test
  void anEncryptedKeyIsAcceptedAtStartUpExactlyWhenKafkaCanDecryptIt() {
    for (KeyEncryption scheme : KeyEncryption.values()) {
      Path key = pki.encryptedPrivateKey(pki.client(), scheme, KEY_PASSWORD);
      List<String> problems;
      try {
        parse("security: {protocol: SSL, tls: {certFile: %s, keyFile: %s, keyPassword: \"${KEY_PASSWORD}\"}}"
            .formatted(pki.client().certificate(), key));
        problems = List.of();
      } catch (ConfigException e) {
        problems = e.problems();
      }
      String kafkaError = kafkaLoads(pki.client().certificate(), key, KEY_PASSWORD);
      if (kafkaError == null) {
        assertThat(problems).as(scheme.name()).isEmpty();
      } else {
        assertThat(problems).as(scheme + ", which Kafka refuses: " + kafkaError).singleElement().asString()
            .contains("keyFile = " + key + " is encrypted with", "which Kafka cannot decrypt on this JVM (Java "
                + Runtime.version().feature() + ")");
      }
      if (scheme == PBES1) {
        assertThat(kafkaError).as("Kafka reads PBES1 keys on every JVM").isNull();
      }
    }
  }

  /** Null when Kafka's PEM reader makes a key store of the certificate and key, else its error. */
  private static String kafkaLoads(Path certificate, Path key, String password) {
    ConfigDef def = new ConfigDef();
    SslConfigs.addClientSslSupport(def);
    try {
      new DefaultSslEngineFactory().configure(def.parse(Map.of(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PEM",
          SslConfigs.SSL_KEYSTORE_CERTIFICATE_CHAIN_CONFIG, Files.readString(certificate),
          SslConfigs.SSL_KEYSTORE_KEY_CONFIG, Files.readString(key), SslConfigs.SSL_KEY_PASSWORD_CONFIG, password)));
      return null;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (RuntimeException e) {
      return e + (e.getCause() == null ? "" : " <- " + e.getCause());
    }
  }

  @Test
  void kafkaPropertiesMayNotSetWhatTheSecuritySectionOwnsAndTheErrorNamesTheKeyToUse() {
    assertThat(problems("""
        properties:
          security.protocol: SASL_SSL
          ssl.truststore.location: /etc/kafka/ca.pem
          ssl.keystore.key: secret-key-content
          ssl.cipher.suites: TLS_AES_128_GCM_SHA256
          sasl.jaas.config: org.apache.kafka.common.security.plain.PlainLoginModule required password="hunter2";
          client.dns.lookup: use_all_dns_ips
        """)).containsExactlyInAnyOrder(
        "kafka.properties.security.protocol is set by the kafka.security section: use kafka.security.protocol instead",
        "kafka.properties.ssl.truststore.location is set by the kafka.security section: use kafka.security.tls.caFile instead",
        "kafka.properties.ssl.keystore.key is set by the kafka.security section: use kafka.security.tls.keyFile instead",
        "kafka.properties.ssl.cipher.suites is set by the kafka.security section: use kafka.security.tls instead",
        "kafka.properties.sasl.jaas.config is set by the kafka.security section: use kafka.security.sasl.username and password"
            + " instead");
  }

  @Test
  void secretsAppearInNoStringNoErrorAndNoDocumentation() {
    LifeboatConfig config = parse("""
        security:
          protocol: SASL_SSL
          tls: {caFile: %s, certFile: %s, keyFile: %s}
          sasl: {mechanism: SCRAM-SHA-256, username: lifeboat, password: "${KAFKA_PASSWORD}"}
        """.formatted(pki.caCertificate(), pki.client().certificate(), pki.client().privateKey()));
    KafkaClients clients = KafkaClients.of(config.kafka());
    KafkaClients programmatic = new KafkaClients("kafka:9093", Map.of(SaslConfigs.SASL_JAAS_CONFIG, "x password=\"hunter2\";",
        SslConfigs.SSL_KEY_PASSWORD_CONFIG, "hunter2"));

    String secret = "ss;w=rd"; // a part of PASSWORD no escaping changes
    assertThat(config.toString()).doesNotContain(secret).contains("password=(hidden)", "username=lifeboat");
    assertThat(config.kafka().security().clientProperties().toString()).doesNotContain(secret).doesNotContain("PRIVATE KEY");
    assertThat(clients.toString()).doesNotContain(secret).contains("SCRAM-SHA-256");
    assertThat(clients.common().toString()).doesNotContain(secret);
    assertThat(programmatic.toString()).doesNotContain("hunter2").contains("sasl.jaas.config=[hidden]", "ssl.key.password=[hidden]");

    environment.put("KAFKA_PASSWORD", "hunter2");
    assertThatThrownBy(() -> parse("""
        security:
          protocol: SASL_SSL
          sasl: {mechanism: SCRAM-SHA-1, username: lifeboat, password: ["${KAFKA_PASSWORD}"]}
          tls: {keyPassword: "${KAFKA_PASSWORD}x"}
        """)).isInstanceOf(ConfigException.class).hasMessageNotContaining("hunter2")
        .hasMessageContaining("kafka.security.sasl.password = (hidden) is invalid: expected a single value, found a list");

    assertThat(LifeboatConfig.documentation()).contains("kafka.security:", "kafka.security.tls", "kafka.security.sasl",
        "caFile", "certFile", "keyFile", "keyPassword", "endpointIdentification", "mechanism", "SCRAM-SHA-512", "password");
  }

  /** The known keys as {@link ConfigReader#rejectUnknown} lists them (a set's order). */
  private static String knownAsReported(String... keys) {
    return new java.util.HashSet<>(List.of(keys)).toString();
  }
}
