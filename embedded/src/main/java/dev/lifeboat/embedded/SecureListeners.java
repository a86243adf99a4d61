package dev.lifeboat.embedded;

import dev.lifeboat.embedded.tls.LocalPki;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslClientAuth;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.internals.BrokerSecurityConfigs;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.security.plain.PlainLoginModule;
import org.apache.kafka.common.security.scram.ScramLoginModule;

/**
 * The secured listeners an {@link EmbeddedKafka} opens next to its plaintext one, with certificates
 * of a {@link LocalPki}: a SASL_SSL listener taking SCRAM-SHA-512 and PLAIN, and, when asked for, an
 * SSL listener that requires a client certificate signed by the same CA (mutual TLS). The plaintext
 * listener stays the inter-broker and default one. PLAIN users live in the listener's JAAS
 * configuration; SCRAM users are created through the Admin API once the broker is up, as on a real
 * KRaft cluster.
 */
public final class SecureListeners {
  static final ListenerName SASL_SSL = ListenerName.forSecurityProtocol(SecurityProtocol.SASL_SSL);
  static final ListenerName SSL = ListenerName.forSecurityProtocol(SecurityProtocol.SSL);
  private static final String PLAIN = "PLAIN";
  private static final ScramMechanism SCRAM = ScramMechanism.SCRAM_SHA_512;
  private static final int SCRAM_ITERATIONS = 4096;
  private static final Duration USERS_TIMEOUT = Duration.ofSeconds(30);

  private final LocalPki pki;
  private final Map<String, String> plainUsers = new LinkedHashMap<>();
  private final Map<String, String> scramUsers = new LinkedHashMap<>();
  private boolean clientCertificates;

  private SecureListeners(LocalPki pki) {
    this.pki = Objects.requireNonNull(pki, "pki");
  }

  /** A SASL_SSL listener presenting {@code pki}'s server certificate. */
  public static SecureListeners with(LocalPki pki) {
    return new SecureListeners(pki);
  }

  /** A user that logs in with SASL PLAIN. */
  public SecureListeners plainUser(String name, String password) {
    plainUsers.put(name, password);
    return this;
  }

  /** A user that logs in with SCRAM-SHA-512. */
  public SecureListeners scramUser(String name, String password) {
    scramUsers.put(name, password);
    return this;
  }

  /** Also an SSL listener that requires a client certificate signed by the PKI's CA. */
  public SecureListeners clientCertificates() {
    clientCertificates = true;
    return this;
  }

  boolean hasSslListener() {
    return clientCertificates;
  }

  /** The listeners' part of the broker's properties: {@code listeners} entries are added by the caller. */
  void addTo(Properties p) {
    // one key and trust store for every TLS listener: the server certificate, and the CA its clients' certificates come from
    p.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12");
    p.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, pki.server().keyStore().toString());
    p.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, pki.password());
    p.put(SslConfigs.SSL_KEY_PASSWORD_CONFIG, pki.password());
    p.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
    p.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, pki.trustStore().toString());
    p.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, pki.password());

    p.put(SASL_SSL.configPrefix() + BrokerSecurityConfigs.SASL_ENABLED_MECHANISMS_CONFIG, SCRAM.mechanismName() + "," + PLAIN);
    p.put(SASL_SSL.saslMechanismConfigPrefix(SCRAM.mechanismName()) + SaslConfigs.SASL_JAAS_CONFIG,
        ScramLoginModule.class.getName() + " required;");
    StringBuilder plain = new StringBuilder(PlainLoginModule.class.getName()).append(" required");
    plainUsers.forEach((user, password) -> plain.append(" user_").append(user).append('=').append(quoted(password)));
    p.put(SASL_SSL.saslMechanismConfigPrefix(PLAIN) + SaslConfigs.SASL_JAAS_CONFIG, plain.append(';').toString());
    if (clientCertificates) {
      p.put(SSL.configPrefix() + BrokerSecurityConfigs.SSL_CLIENT_AUTH_CONFIG, SslClientAuth.REQUIRED.name().toLowerCase(java.util.Locale.ROOT));
    }
  }

  /** Creates (or updates) the SCRAM users and returns once the broker authenticates them. */
  void createScramUsers(Admin admin) {
    if (scramUsers.isEmpty()) {
      return;
    }
    List<UserScramCredentialAlteration> upserts = new ArrayList<>();
    scramUsers.forEach((user, password) ->
        upserts.add(new UserScramCredentialUpsertion(user, new ScramCredentialInfo(SCRAM, SCRAM_ITERATIONS), password)));
    try {
      admin.alterUserScramCredentials(upserts).all().get(USERS_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      // the controller has committed them; the broker answers describe from the metadata it authenticates with
      Lifecycle.await("SCRAM users", USERS_TIMEOUT, () -> {
        try {
          return admin.describeUserScramCredentials(List.copyOf(scramUsers.keySet())).all()
              .get(USERS_TIMEOUT.toSeconds(), TimeUnit.SECONDS).keySet().containsAll(scramUsers.keySet());
        } catch (ExecutionException | TimeoutException e) {
          return false; // ResourceNotFoundException until the broker has them
        }
      }, () -> "SCRAM users " + scramUsers.keySet() + " not known to the broker after " + USERS_TIMEOUT.toSeconds() + " s");
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot create the SCRAM users " + scramUsers.keySet() + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating SCRAM users", e);
    }
  }

  /** A JAAS option value in double quotes, with backslash and quote escaped as Kafka's JAAS parser reads them. */
  private static String quoted(String value) {
    return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r") + '"';
  }

  @Override
  public String toString() {
    return "SecureListeners[SASL_SSL (" + SCRAM.mechanismName() + " users " + scramUsers.keySet() + ", PLAIN users "
        + plainUsers.keySet() + ")" + (clientCertificates ? ", SSL with client certificates" : "") + "]";
  }
}
