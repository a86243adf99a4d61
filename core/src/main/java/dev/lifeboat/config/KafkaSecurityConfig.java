package dev.lifeboat.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.security.plain.PlainLoginModule;
import org.apache.kafka.common.security.scram.ScramLoginModule;

/**
 * How every Kafka client of the process reaches the brokers ({@code kafka.security}): the protocol,
 * TLS (the CA to trust, a client certificate for mutual TLS) and SASL (PLAIN or SCRAM with a user
 * name and password). Read and checked at start-up, then turned into Kafka client properties by
 * {@link #clientProperties()}. The section owns every {@code security.protocol}, {@code ssl.*} and
 * {@code sasl.*} client property: {@code kafka.properties} may not set them ({@link #ownerOf}).
 *
 * @param tls only with SSL or SASL_SSL; absent there: the JVM's trust store and no client certificate
 * @param sasl present exactly with SASL_PLAINTEXT and SASL_SSL
 */
public record KafkaSecurityConfig(SecurityProtocol protocol, Optional<Tls> tls, Optional<Sasl> sasl) {

  /** No TLS, no authentication: Kafka's default. */
  public static final KafkaSecurityConfig PLAINTEXT =
      new KafkaSecurityConfig(SecurityProtocol.PLAINTEXT, Optional.empty(), Optional.empty());

  /** {@code ssl.keystore.type} and {@code ssl.truststore.type} of PEM files (Kafka's DefaultSslEngineFactory.PEM_TYPE, not public API). */
  static final String PEM = "PEM";

  static final Field<String> PROTOCOL = Field.string("protocol", "How clients connect: PLAINTEXT, SSL (TLS), SASL_SSL (SASL"
      + " over TLS) or SASL_PLAINTEXT (SASL without TLS: a PLAIN password crosses the network readable).")
      .withDefault(SecurityProtocol.PLAINTEXT.name).validate(SecurityProtocol.names()::contains, "PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL");

  public KafkaSecurityConfig {
    java.util.Objects.requireNonNull(protocol, "protocol");
    java.util.Objects.requireNonNull(tls, "tls");
    java.util.Objects.requireNonNull(sasl, "sasl");
  }

  /** TLS settings ({@code kafka.security.tls}); the files are PEM. */
  public record Tls(Path caFile, Path certFile, Path keyFile, String keyPassword, boolean endpointIdentification) {
    static final Field<String> CA_FILE = Field.string("caFile", "CA certificates (PEM) the brokers' certificates are checked"
        + " against; absent: the JVM's trust store. Read as each client starts (a running client keeps what it read).").optional();
    static final Field<String> CERT_FILE = Field.string("certFile", "Client certificate chain (PEM) for mutual TLS, with keyFile"
        + " (e.g. tls.crt and tls.key of a kubernetes.io/tls Secret). Read as each client starts.").optional();
    static final Field<String> KEY_FILE = Field.string("keyFile", "Private key (PEM, PKCS#8: BEGIN PRIVATE KEY, or BEGIN"
        + " ENCRYPTED PRIVATE KEY with keyPassword) of certFile; may be the same file as certFile.").optional();
    static final Field<String> KEY_PASSWORD = Field.string("keyPassword", "Password of an encrypted keyFile; ${ENV_VAR} reads"
        + " it from the environment. On Java 17 Kafka decrypts PBES1 keys only (openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES),"
        + " not openssl's default PBES2: checked at start-up.").optional().secret();
    static final Field<Boolean> ENDPOINT_IDENTIFICATION = Field.bool("endpointIdentification", "Check that a broker's"
        + " certificate names the host connected to (HTTPS rules). Turn off only for certificates without the brokers' names.")
        .withDefault(true);

    static Tls read(ConfigReader r) {
      Path ca = path(r.get(CA_FILE));
      Path cert = path(r.get(CERT_FILE));
      Path key = path(r.get(KEY_FILE));
      String keyPassword = r.get(KEY_PASSWORD);
      Boolean endpointIdentification = r.get(ENDPOINT_IDENTIFICATION);
      check(r, CA_FILE, ca, PemChecks::problemWithCertificates);
      if (keyPassword != null && key == null) {
        r.reportProblem(KEY_PASSWORD.name(), "is set without keyFile: it decrypts the client certificate's private key");
      }
      if ((cert == null) != (key == null)) {
        r.reportProblem(cert == null ? KEY_FILE.name() : CERT_FILE.name(), "is set without " + (cert == null ? CERT_FILE
            : KEY_FILE).name() + ": a client certificate needs both (they may name one file holding both)");
        cert = null;
        key = null;
      }
      check(r, CERT_FILE, cert, PemChecks::problemWithCertificates);
      check(r, KEY_FILE, key, file -> PemChecks.problemWithPrivateKey(file, keyPassword));
      r.rejectUnknown(List.of());
      return new Tls(ca, cert, key, keyPassword, endpointIdentification == null || endpointIdentification);
    }

    private static void check(ConfigReader r, Field<String> field, Path file, Function<Path, String> problem) {
      String found = file == null ? null : problem.apply(file);
      if (found != null) {
        r.reportProblem(field.name(), "= " + file + " " + found);
      }
    }

    /**
     * The CA is given by location, which each new client reads. The client certificate is given by
     * location when one file holds certificate and key; apart, as content (Kafka reads a PEM key
     * store from one file only), read here, so each new client still reads the current files.
     */
    void addTo(Map<String, Object> props) {
      if (caFile != null) {
        props.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, PEM);
        props.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, caFile.toString());
      }
      if (certFile != null) {
        props.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, PEM);
        if (certFile.equals(keyFile)) {
          props.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, certFile.toString());
        } else {
          props.put(SslConfigs.SSL_KEYSTORE_CERTIFICATE_CHAIN_CONFIG, new Password(PemChecks.read(certFile, "kafka.security.tls.certFile")));
          props.put(SslConfigs.SSL_KEYSTORE_KEY_CONFIG, new Password(PemChecks.read(keyFile, "kafka.security.tls.keyFile")));
        }
      }
      if (keyPassword != null) {
        props.put(SslConfigs.SSL_KEY_PASSWORD_CONFIG, new Password(keyPassword));
      }
      if (!endpointIdentification) {
        props.put(SslConfigs.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG, "");
      }
    }

    @Override
    public String toString() {
      return "Tls[caFile=" + caFile + ", certFile=" + certFile + ", keyFile=" + keyFile + ", keyPassword="
          + (keyPassword == null ? null : Field.HIDDEN) + ", endpointIdentification=" + endpointIdentification + "]";
    }
  }

  /** A SASL mechanism Lifeboat can log in with, and the login module of its JAAS configuration. */
  public enum SaslMechanism {
    PLAIN("PLAIN", PlainLoginModule.class),
    SCRAM_SHA_256(ScramMechanism.SCRAM_SHA_256.mechanismName(), ScramLoginModule.class),
    SCRAM_SHA_512(ScramMechanism.SCRAM_SHA_512.mechanismName(), ScramLoginModule.class);

    private final String mechanismName;
    private final Class<?> loginModule;

    SaslMechanism(String mechanismName, Class<?> loginModule) {
      this.mechanismName = mechanismName;
      this.loginModule = loginModule;
    }

    /** The name Kafka knows it by ({@code sasl.mechanism}), e.g. {@code SCRAM-SHA-512}. */
    public String mechanismName() {
      return mechanismName;
    }

    static Optional<SaslMechanism> forName(String name) {
      return java.util.Arrays.stream(values()).filter(m -> m.mechanismName.equals(name)).findFirst();
    }

    static String names() {
      return String.join(", ", java.util.Arrays.stream(values()).map(SaslMechanism::mechanismName).toList());
    }
  }

  /** SASL credentials ({@code kafka.security.sasl}). */
  public record Sasl(SaslMechanism mechanism, String username, String password) {
    static final Field<String> MECHANISM = Field.string("mechanism", "SASL mechanism: PLAIN (send the password; use it over"
        + " SASL_SSL only), SCRAM-SHA-256 or SCRAM-SHA-512 (prove it without sending it).")
        .validate(m -> SaslMechanism.forName(m).isPresent(), SaslMechanism.names());
    static final Field<String> USERNAME = Field.string("username", "User name Lifeboat logs in as.")
        .validate(u -> !u.isBlank(), "a non-empty user name");
    static final Field<String> PASSWORD = Field.string("password", "The user's password; use ${ENV_VAR} to read it from the"
        + " environment (a Secret), never the file.").secret().validate(p -> !p.isEmpty(), "a non-empty password");

    static Sasl read(ConfigReader r) {
      String mechanism = r.get(MECHANISM);
      Sasl sasl = new Sasl(mechanism == null ? null : SaslMechanism.forName(mechanism).orElseThrow(), r.get(USERNAME),
          r.get(PASSWORD));
      r.rejectUnknown(List.of());
      return sasl;
    }

    /**
     * The {@code sasl.jaas.config} value. Kafka parses it with a {@link java.io.StreamTokenizer}: inside
     * double quotes a backslash escapes, and a line break would end the value, so both are escaped.
     */
    String jaasConfig() {
      return mechanism.loginModule.getName() + " required username=" + quoted(username) + " password=" + quoted(password) + ";";
    }

    static String quoted(String value) {
      StringBuilder out = new StringBuilder("\"");
      for (char c : value.toCharArray()) {
        switch (c) {
          case '\\' -> out.append("\\\\");
          case '"' -> out.append("\\\"");
          case '\n' -> out.append("\\n");
          case '\r' -> out.append("\\r");
          default -> out.append(c);
        }
      }
      return out.append('"').toString();
    }

    @Override
    public String toString() {
      return "Sasl[mechanism=" + (mechanism == null ? null : mechanism.mechanismName) + ", username=" + username
          + ", password=" + Field.HIDDEN + "]";
    }
  }

  /**
   * The Kafka client properties of these settings: nothing for PLAINTEXT; else {@code security.protocol},
   * the {@code ssl.*} and the {@code sasl.*} properties. Secrets are {@link Password}s, which Kafka
   * (and {@code toString}) show as {@code [hidden]}. Client certificates given as two files are read
   * on each call.
   */
  public Map<String, Object> clientProperties() {
    Map<String, Object> props = new LinkedHashMap<>();
    if (equals(PLAINTEXT)) {
      return props;
    }
    props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol.name);
    tls.ifPresent(t -> t.addTo(props));
    sasl.ifPresent(s -> {
      props.put(SaslConfigs.SASL_MECHANISM, s.mechanism().mechanismName());
      props.put(SaslConfigs.SASL_JAAS_CONFIG, new Password(s.jaasConfig()));
    });
    return props;
  }

  /**
   * The key of this section that sets a client property, when the section owns it ({@code
   * security.protocol}, {@code ssl.*}, {@code sasl.*}); null otherwise.
   */
  static String ownerOf(String property) {
    String section = "kafka.security";
    return switch (property) {
      case CommonClientConfigs.SECURITY_PROTOCOL_CONFIG -> section + "." + PROTOCOL.name();
      case SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, SslConfigs.SSL_TRUSTSTORE_CERTIFICATES_CONFIG,
          SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG -> section + ".tls.caFile";
      case SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, SslConfigs.SSL_KEYSTORE_CERTIFICATE_CHAIN_CONFIG,
          SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG -> section + ".tls.certFile and keyFile";
      case SslConfigs.SSL_KEYSTORE_KEY_CONFIG -> section + ".tls.keyFile";
      case SslConfigs.SSL_KEY_PASSWORD_CONFIG -> section + ".tls.keyPassword";
      case SslConfigs.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG -> section + ".tls.endpointIdentification";
      case SaslConfigs.SASL_MECHANISM -> section + ".sasl.mechanism";
      case SaslConfigs.SASL_JAAS_CONFIG -> section + ".sasl.username and password";
      default -> property.startsWith("ssl.") ? section + ".tls" : property.startsWith("sasl.") ? section + ".sasl" : null;
    };
  }

  static KafkaSecurityConfig read(ConfigReader r) {
    String name = r.get(PROTOCOL);
    SecurityProtocol protocol = name == null ? SecurityProtocol.PLAINTEXT : SecurityProtocol.forName(name);
    boolean hasTls = r.has("tls");
    boolean hasSasl = r.has("sasl");
    ConfigReader tlsSection = r.section("tls");
    ConfigReader saslSection = r.section("sasl");
    Optional<Tls> tls = hasTls ? Optional.of(Tls.read(tlsSection)) : Optional.empty();
    Optional<Sasl> sasl = hasSasl ? Optional.of(Sasl.read(saslSection)) : Optional.empty();
    if (name != null) {
      if (hasTls && !usesTls(protocol)) {
        r.reportProblem("tls", "is set, but protocol is " + protocol.name + ": TLS settings apply only with protocol SSL or SASL_SSL");
      }
      if (hasSasl && !usesSasl(protocol)) {
        r.reportProblem("sasl", "is set, but protocol is " + protocol.name
            + ": SASL applies only with protocol SASL_SSL or SASL_PLAINTEXT");
      }
      if (!hasSasl && usesSasl(protocol)) {
        r.reportProblem("sasl", "is required with protocol " + protocol.name + ": mechanism, username and password");
      }
    }
    r.rejectUnknown(List.of());
    return new KafkaSecurityConfig(protocol, usesTls(protocol) ? tls : Optional.empty(),
        usesSasl(protocol) ? sasl : Optional.empty());
  }

  private static boolean usesTls(SecurityProtocol protocol) {
    return protocol == SecurityProtocol.SSL || protocol == SecurityProtocol.SASL_SSL;
  }

  private static boolean usesSasl(SecurityProtocol protocol) {
    return protocol == SecurityProtocol.SASL_PLAINTEXT || protocol == SecurityProtocol.SASL_SSL;
  }

  private static Path path(String value) {
    return value == null ? null : Path.of(value);
  }

  /** The keys of the section and its subsections, for {@code lifeboat config docs}. */
  static Map<String, List<Field<?>>> documentation() {
    Map<String, List<Field<?>>> docs = new LinkedHashMap<>();
    docs.put("kafka.security", List.of(PROTOCOL));
    docs.put("kafka.security.tls (protocol SSL or SASL_SSL)", List.of(Tls.CA_FILE, Tls.CERT_FILE, Tls.KEY_FILE,
        Tls.KEY_PASSWORD, Tls.ENDPOINT_IDENTIFICATION));
    docs.put("kafka.security.sasl (protocol SASL_SSL or SASL_PLAINTEXT)", List.of(Sasl.MECHANISM, Sasl.USERNAME, Sasl.PASSWORD));
    return docs;
  }
}
