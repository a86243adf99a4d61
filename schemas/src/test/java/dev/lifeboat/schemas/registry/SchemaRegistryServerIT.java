package dev.lifeboat.schemas.registry;

import dev.lifeboat.schemas.testing.KafkaClusterExtension;
import static dev.lifeboat.schemas.registry.TestSchemas.order;
import static dev.lifeboat.schemas.registry.TestSchemas.user;
import static dev.lifeboat.schemas.registry.TestSchemas.userWithOptionalEmail;
import static dev.lifeboat.schemas.registry.TestSchemas.userWithRequiredEmail;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.schemas.registry.SchemaRegistry.SubjectVersion;
import dev.lifeboat.schemas.registry.SchemaRegistryServer.Config;
import java.io.IOException;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The registry server against a real broker, used through {@link HttpSchemaRegistryClient}. */
class SchemaRegistryServerIT {
  @RegisterExtension
  static final KafkaClusterExtension kafka = new KafkaClusterExtension();

  @Test
  void registersLooksUpAndReadsBackSchemas() {
    try (SchemaRegistryServer server = SchemaRegistryServer.start(kafka.registryOnNewTopic())) {
      SchemaRegistry registry = new HttpSchemaRegistryClient(server.url());

      int userId = registry.register("users-value", user());
      assertThat(registry.register("users-value", user())).isEqualTo(userId);
      assertThat(new HttpSchemaRegistryClient(server.url()).register("users-value", user()))
          .as("registering again, without a client cache").isEqualTo(userId);
      int emailId = registry.register("users-value", userWithOptionalEmail());
      int orderId = registry.register("orders-value", order());

      assertThat(List.of(userId, emailId, orderId)).doesNotHaveDuplicates();
      assertThat(registry.register("people-value", user())).as("same schema, another subject").isEqualTo(userId);
      assertThat(registry.subjects()).containsExactly("orders-value", "people-value", "users-value");
      assertThat(registry.versions("users-value")).containsExactly(1, 2);
      assertThat(registry.versions("nobody-value")).isEmpty();
      assertThat(registry.version("users-value", -1)).isEqualTo(
          new SubjectVersion("users-value", 2, emailId, userWithOptionalEmail()));
      assertThat(registry.version("users-value", 1).id()).isEqualTo(userId);
      assertThat(registry.lookup("users-value", user()))
          .contains(new SubjectVersion("users-value", 1, userId, user()));
      assertThat(registry.lookup("users-value", order())).isEmpty();
      assertThat(registry.lookup("nobody-value", order())).isEmpty();

      SchemaRegistry uncached = new HttpSchemaRegistryClient(server.url());
      assertThat(uncached.schemaById(userId)).isEqualTo(user());
      assertThat(uncached.schemaById(orderId)).isEqualTo(order());
      assertThat(uncached.isCompatible("users-value", order())).isFalse();
      assertThat(uncached.isCompatible("users-value", user())).isTrue();
      assertThat(uncached.isCompatible("nobody-value", order())).isTrue();
    }
  }

  @Test
  void compatibilityLevelsCanBeSetPerSubjectAndRegistryWide() {
    try (SchemaRegistryServer server = SchemaRegistryServer.start(kafka.registryOnNewTopic())) {
      SchemaRegistry registry = new HttpSchemaRegistryClient(server.url());
      assertThat(registry.globalCompatibility()).isEqualTo("BACKWARD");
      assertThat(registry.subjectCompatibility("users-value")).isEmpty();

      registry.setSubjectCompatibility("users-value", "FORWARD");
      registry.setGlobalCompatibility("FULL");

      assertThat(registry.subjectCompatibility("users-value")).contains("FORWARD");
      assertThat(registry.globalCompatibility()).isEqualTo("FULL");
      registry.register("users-value", user());
      // FORWARD lets the subject add a required field, which BACKWARD forbids.
      registry.register("users-value", userWithRequiredEmail());
      assertThat(registry.versions("users-value")).containsExactly(1, 2);
      assertThatThrownBy(() -> registry.setGlobalCompatibility("SIDEWAYS"))
          .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(42203));
    }
  }

  @Test
  void rejectsIncompatibleAndInvalidSchemasAndUnknownIds() {
    try (SchemaRegistryServer server = SchemaRegistryServer.start(kafka.registryOnNewTopic())) {
      SchemaRegistry registry = new HttpSchemaRegistryClient(server.url());
      registry.register("users-value", user());

      assertThatThrownBy(() -> registry.register("users-value", userWithRequiredEmail()))
          .isInstanceOfSatisfying(RegistryException.class, e -> {
            assertThat(e.httpStatus()).isEqualTo(409);
            assertThat(e.errorCode()).isEqualTo(409);
            assertThat(e.errorMessage()).startsWith(
                "Schema being registered is incompatible with an earlier schema for subject \"users-value\", details: [")
                .contains("READER_FIELD_MISSING_DEFAULT_VALUE");
          });
      assertThat(registry.versions("users-value")).containsExactly(1);
      assertThatThrownBy(() -> registry.schemaById(999))
          .isInstanceOfSatisfying(RegistryException.class, e -> {
            assertThat(e.httpStatus()).isEqualTo(404);
            assertThat(e.errorCode()).isEqualTo(40403);
          });
      assertThatThrownBy(() -> registry.version("users-value", 7))
          .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(40402));
    }
  }

  @Test
  void aRestartedRegistryKeepsEveryIdAndVersion() {
    Config config = kafka.registryOnNewTopic();
    int userId;
    int emailId;
    int orderId;
    try (SchemaRegistryServer server = SchemaRegistryServer.start(config)) {
      SchemaRegistry registry = new HttpSchemaRegistryClient(server.url());
      userId = registry.register("users-value", user());
      emailId = registry.register("users-value", userWithOptionalEmail());
      orderId = registry.register("orders-value", order());
      registry.setSubjectCompatibility("orders-value", "NONE");
    }
    try (SchemaRegistryServer server = SchemaRegistryServer.start(config)) {
      SchemaRegistry registry = new HttpSchemaRegistryClient(server.url());

      assertThat(registry.schemaById(userId)).isEqualTo(user());
      assertThat(registry.schemaById(emailId)).isEqualTo(userWithOptionalEmail());
      assertThat(registry.schemaById(orderId)).isEqualTo(order());
      assertThat(registry.versions("users-value")).containsExactly(1, 2);
      assertThat(registry.version("users-value", 2).id()).isEqualTo(emailId);
      assertThat(registry.register("users-value", user())).isEqualTo(userId);
      assertThat(registry.subjectCompatibility("orders-value")).contains("NONE");
      int next = registry.register("orders-value", userWithRequiredEmail());
      assertThat(next).isNotIn(userId, emailId, orderId);
    }
  }

  @Test
  void theClientAsksForAnIdOnlyOnce() {
    try (SchemaRegistryServer server = SchemaRegistryServer.start(kafka.registryOnNewTopic())) {
      int id = new HttpSchemaRegistryClient(server.url()).register("users-value", user());
      SchemaRegistry client = new HttpSchemaRegistryClient(server.url());

      assertThat(client.schemaById(id)).isEqualTo(user());
      long afterFirst = server.requestCount();
      assertThat(client.schemaById(id)).isEqualTo(user());
      assertThat(client.register("users-value", user())).isEqualTo(id);
      assertThat(client.register("users-value", user())).isEqualTo(id);
      long afterRegister = server.requestCount();
      client.register("users-value", user());
      assertThat(client.lookup("users-value", user())).map(SubjectVersion::version).contains(1);
      assertThat(client.lookup("users-value", user())).map(SubjectVersion::version).contains(1);

      assertThat(afterFirst).isEqualTo(afterRegister - 1);
      assertThat(server.requestCount()).isEqualTo(afterRegister + 1);
    }
  }

  @Test
  void closingFreesThePortAndMayBeRepeated() throws IOException {
    SchemaRegistryServer server = SchemaRegistryServer.start(kafka.registryOnNewTopic());
    int port = server.port();
    assertThat(server.url()).isEqualTo("http://127.0.0.1:" + port);
    server.close();
    server.close();

    assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(IOException.class);
    try (SchemaRegistryServer again = SchemaRegistryServer.start(kafka.registryOnNewTopic().withPort(port))) {
      assertThat(again.port()).isEqualTo(port);
      assertThat(new HttpSchemaRegistryClient(again.url()).subjects()).isEmpty();
    }
  }

  @Test
  void refusesATopicThatCouldReorderOrLoseSchemas() throws Exception {
    String partitioned = "_schemas-partitioned-" + UUID.randomUUID();
    String deleting = "_schemas-deleting-" + UUID.randomUUID();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(partitioned, 3, (short) 1),
          new NewTopic(deleting, 1, (short) 1).configs(Map.of("cleanup.policy", "delete")))).all().get();
    }

    assertThatThrownBy(() -> SchemaRegistryServer.start(kafka.registry(partitioned)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(partitioned).hasMessageContaining("exactly 1");
    assertThatThrownBy(() -> SchemaRegistryServer.start(kafka.registry(deleting)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cleanup.policy=delete");
  }

  @Test
  void startFailsClearlyWithoutKafka() {
    Config unreachable = new Config("127.0.0.1:1", null, 0, null, java.time.Duration.ofSeconds(2));
    assertThatThrownBy(() -> SchemaRegistryServer.start(unreachable))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("_schemas");
    assertThatThrownBy(() -> SchemaRegistryServer.start(Config.of("no-such-host.invalid:9092")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("bootstrapServers");
  }
}
