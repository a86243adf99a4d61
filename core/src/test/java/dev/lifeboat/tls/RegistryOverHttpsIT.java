package dev.lifeboat.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.config.ConfigLoader;
import dev.lifeboat.config.LifeboatConfig.RegistryConfig;
import dev.lifeboat.embedded.EmbeddedKafka;
import dev.lifeboat.embedded.tls.LocalPki;
import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.schemas.registry.RegistryCertificateException;
import dev.lifeboat.schemas.registry.RegistryException;
import dev.lifeboat.schemas.registry.SchemaRegistry;
import dev.lifeboat.schemas.registry.SchemaRegistryServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The schema registry serving HTTPS with a private CA's certificate and requiring basic auth, used
 * through the client a parsed {@code registry:} section builds: the right CA and credentials register
 * and read schemas; a wrong password, no credentials or a client that does not trust the CA each fail
 * at once with an error naming the registry, and none of them is retried.
 */
class RegistryOverHttpsIT {
  private static final Schema SCHEMA = SchemaBuilder.record("Parcel").namespace("dev.lifeboat.test")
      .fields().requiredString("id").requiredLong("grams").endRecord();

  @TempDir static Path dir;
  private static EmbeddedKafka kafka;
  private static LocalPki pki;
  private static Path users;
  private static SchemaRegistryServer server;

  @BeforeAll
  static void start() throws IOException {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0);
    pki = LocalPki.create(dir.resolve("pki"));
    users = Files.writeString(dir.resolve("users"), "# user:password\nlifeboat:right-password\nreader:r34d:er\n");
    server = SchemaRegistryServer.start(SchemaRegistryServer.Config.of(kafka.bootstrapServers()).withTopic("_schemas_secure")
        .withTls(PemFiles.serverContext(pki.server().certificate(), pki.server().privateKey()))
        .withUsersFile(users));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  private static RegistryConfig registry(String credentials) {
    String yaml = """
        kafka:
          bootstrapServers: %s
        registry:
          url: %s
          caFile: %s
        %s
        stores:
          primary:
            endpoint: http://127.0.0.1:9000
            bucket: lifeboat
            accessKey: a
            secretKey: b
        """.formatted(kafka.bootstrapServers(), server.url(), pki.caCertificate(), credentials);
    return new ConfigLoader(Map.of("REGISTRY_PASSWORD", "right-password"), List.of()).parse(yaml, "lifeboat.yaml").registry();
  }

  @Test
  void aClientTrustingTheCaWithTheRightPasswordRegistersAndReadsSchemas() {
    assertThat(server.url()).startsWith("https://127.0.0.1:");
    SchemaRegistry client = registry("  username: lifeboat\n  password: ${REGISTRY_PASSWORD}").newClient();

    int id = client.register("parcels-value", SCHEMA);

    SchemaRegistry another = registry("  username: reader\n  password: r34d:er").newClient();
    assertThat(another.schemaById(id)).isEqualTo(SCHEMA);
    assertThat(another.subjects()).contains("parcels-value");
  }

  @Test
  void aWrongPasswordIsRefusedNamingTheRegistryAndIsNotRetried() {
    SchemaRegistry client = registry("  username: lifeboat\n  password: wrong-password").newClient();

    assertThatThrownBy(client::subjects)
        .isInstanceOfSatisfying(RegistryException.class, e -> {
          assertThat(e.httpStatus()).isEqualTo(401);
          assertThat(ErrorClassifier.isRetriable(e)).isFalse();
        })
        .hasMessageContaining("Schema registry at " + server.url() + " refused the credentials of user 'lifeboat'")
        .hasMessageNotContaining("wrong-password");
    assertThatThrownBy(() -> registry("").newClient().subjects())
        .isInstanceOf(RegistryException.class)
        .hasMessageContaining(server.url() + " requires credentials and none were sent");
  }

  @Test
  void aClientThatDoesNotTrustTheCaFailsTheHandshakeNamingTheRegistryAndIsNotRetried() {
    SchemaRegistry jdkCas = new RegistryConfig(server.url(), null, "lifeboat", "right-password").newClient();

    assertThatThrownBy(jdkCas::subjects)
        .isInstanceOfSatisfying(RegistryCertificateException.class, e -> assertThat(ErrorClassifier.isRetriable(e)).isFalse())
        .hasMessageContaining("Schema registry at " + server.url() + " cannot be trusted")
        .hasMessageContaining("registry.caFile");
  }

  @Test
  void aRotatedUsersFileTakesEffectWithoutARestart() throws IOException {
    Path next = Files.writeString(dir.resolve("users.next"), "lifeboat:right-password\nrotated:new-password\n");
    Path before = Files.copy(users, dir.resolve("users.before"), StandardCopyOption.REPLACE_EXISTING);
    SchemaRegistry rotated = registry("  username: rotated\n  password: new-password").newClient();
    assertThatThrownBy(rotated::subjects).isInstanceOf(RegistryException.class).hasMessageContaining("refused");
    try {
      Files.move(next, users, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

      assertThat(rotated.subjects()).isNotNull();
      assertThatThrownBy(registry("  username: reader\n  password: r34d:er").newClient()::subjects)
          .isInstanceOf(RegistryException.class).hasMessageContaining("refused the credentials of user 'reader'");
    } finally {
      Files.move(before, users, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
  }
}
