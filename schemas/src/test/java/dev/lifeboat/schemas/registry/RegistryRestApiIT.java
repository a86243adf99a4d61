package dev.lifeboat.schemas.registry;

import dev.lifeboat.schemas.testing.KafkaClusterExtension;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The exact HTTP answers of the registry, status and JSON, since Confluent clients in other
 * languages (Go, Python, the Node {@code @kafkajs/confluent-schema-registry}) depend on them.
 */
class RegistryRestApiIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final String USER = TestSchemas.user().toString();
  private static final String USER_WITH_EMAIL = TestSchemas.userWithOptionalEmail().toString();
  private static final String USER_REQUIRING_EMAIL = TestSchemas.userWithRequiredEmail().toString();

  @RegisterExtension
  static final KafkaClusterExtension kafka = new KafkaClusterExtension();
  private static SchemaRegistryServer server;

  @BeforeAll
  static void start() {
    server = SchemaRegistryServer.start(kafka.registry("_schemas-rest"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private record Answer(int status, String contentType, String body) {
    JsonNode json() throws IOException {
      return JSON.readTree(body);
    }
  }

  private static Answer call(String method, String path, String body, String contentType) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.url() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""), response.body());
  }

  private static Answer call(String method, String path, String body) throws Exception {
    return call(method, path, body, "application/vnd.schemaregistry.v1+json");
  }

  private static Answer get(String path) throws Exception {
    return call("GET", path, null, null);
  }

  private static String schemaBody(String schema) {
    return JSON.createObjectNode().put("schema", schema).toString();
  }

  private static String subject() {
    return "rest-" + UUID.randomUUID() + "-value";
  }

  private static String error(int code, String message) {
    return JSON.createObjectNode().put("error_code", code).put("message", message).toString();
  }

  @Test
  void registerAndReadVersionsAsConfluentDoes() throws Exception {
    String subject = subject();
    Answer registered = call("POST", "/subjects/" + subject + "/versions?normalize=false", schemaBody(USER));
    assertThat(registered.status()).isEqualTo(200);
    assertThat(registered.contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
    int id = registered.json().get("id").asInt();
    assertThat(registered.body()).isEqualTo("{\"id\":" + id + "}");
    // Plain JSON request bodies are accepted as well, and answer the same id.
    assertThat(call("POST", "/subjects/" + subject + "/versions", schemaBody(USER), "application/json").body())
        .isEqualTo("{\"id\":" + id + "}");

    String version = JSON.createObjectNode().put("subject", subject).put("version", 1).put("id", id)
        .put("schema", USER).toString();
    assertThat(get("/subjects/" + subject + "/versions/1").body()).isEqualTo(version);
    assertThat(get("/subjects/" + subject + "/versions/latest").body()).isEqualTo(version);
    assertThat(get("/subjects/" + subject + "/versions/-1").body()).isEqualTo(version);
    assertThat(call("POST", "/subjects/" + subject + "?deleted=false", schemaBody(USER)).body()).isEqualTo(version);
    assertThat(get("/subjects/" + subject + "/versions/1/schema").body()).isEqualTo(USER);
    assertThat(get("/subjects/" + subject + "/versions").body()).isEqualTo("[1]");
    assertThat(get("/subjects").json()).anyMatch(s -> s.asText().equals(subject));
    assertThat(get("/schemas/ids/" + id).body()).isEqualTo(JSON.createObjectNode().put("schema", USER).toString());
    String unique = SchemaBuilder.record("Unique" + Math.abs(subject.hashCode())).fields()
        .requiredString("id").endRecord().toString();
    int uniqueId = call("POST", "/subjects/" + subject + "-unique/versions", schemaBody(unique)).json().get("id").asInt();
    assertThat(get("/schemas/ids/" + uniqueId + "/versions").body())
        .isEqualTo("[{\"subject\":\"" + subject + "-unique\",\"version\":1}]");
    assertThat(get("/schemas/ids/" + id + "/versions").json())
        .anyMatch(v -> v.get("subject").asText().equals(subject) && v.get("version").asInt() == 1);
    assertThat(get("/schemas/types").body()).isEqualTo("[\"AVRO\"]");
    assertThat(get("/").body()).isEqualTo("{}");
  }

  @Test
  void notFoundErrorsCarryConfluentCodes() throws Exception {
    String subject = subject();
    call("POST", "/subjects/" + subject + "/versions", schemaBody(USER));

    Answer unknownId = get("/schemas/ids/987654");
    assertThat(unknownId.status()).isEqualTo(404);
    assertThat(unknownId.contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
    assertThat(unknownId.body()).isEqualTo(error(40403, "Schema 987654 not found"));
    assertThat(get("/subjects/nobody/versions").body()).isEqualTo(error(40401, "Subject 'nobody' not found."));
    assertThat(get("/subjects/nobody/versions/latest").status()).isEqualTo(404);
    assertThat(get("/subjects/" + subject + "/versions/9").body()).isEqualTo(error(40402, "Version 9 not found."));
    Answer badVersion = get("/subjects/" + subject + "/versions/first");
    assertThat(badVersion.status()).isEqualTo(422);
    assertThat(badVersion.json().get("error_code").asInt()).isEqualTo(42202);
    assertThat(get("/subjects/" + subject + "/versions/0").json().get("error_code").asInt()).isEqualTo(42202);
    Answer unknownSchema = call("POST", "/subjects/" + subject, schemaBody(TestSchemas.order().toString()));
    assertThat(unknownSchema.status()).isEqualTo(404);
    assertThat(unknownSchema.body()).isEqualTo(error(40403, "Schema not found"));
    assertThat(call("POST", "/subjects/nobody", schemaBody(USER)).body())
        .isEqualTo(error(40401, "Subject 'nobody' not found."));

    assertThat(get("/no/such/path")).isEqualTo(new Answer(404, "application/vnd.schemaregistry.v1+json",
        error(404, "HTTP 404 Not Found")));
    assertThat(call("PATCH", "/subjects", "{}").status()).isEqualTo(405);
    assertThat(call("PATCH", "/subjects", "{}").json().get("error_code").asInt()).isEqualTo(405);
  }

  @Test
  void badSchemasAreRejectedWith422AndIncompatibleOnesWith409() throws Exception {
    String subject = subject();
    call("POST", "/subjects/" + subject + "/versions", schemaBody(USER));

    Answer unparsable = call("POST", "/subjects/" + subject + "/versions", schemaBody("{\"type\":\"record\"}"));
    assertThat(unparsable.status()).isEqualTo(422);
    assertThat(unparsable.json().get("error_code").asInt()).isEqualTo(42201);
    Answer protobuf = call("POST", "/subjects/" + subject + "/versions",
        JSON.createObjectNode().put("schema", "syntax = \"proto3\";").put("schemaType", "PROTOBUF").toString());
    assertThat(protobuf.status()).isEqualTo(422);
    assertThat(protobuf.json().get("error_code").asInt()).isEqualTo(42201);
    assertThat(call("POST", "/subjects/" + subject + "/versions", "{not json").status()).isEqualTo(400);

    Answer incompatible = call("POST", "/subjects/" + subject + "/versions", schemaBody(USER_REQUIRING_EMAIL));
    assertThat(incompatible.status()).isEqualTo(409);
    assertThat(incompatible.json().get("error_code").asInt()).isEqualTo(409);
    assertThat(incompatible.json().get("message").asText())
        .startsWith("Schema being registered is incompatible with an earlier schema for subject \"" + subject + "\"");
    assertThat(get("/subjects/" + subject + "/versions").body()).isEqualTo("[1]");
  }

  @Test
  void compatibilityChecksAnswerLikeConfluent() throws Exception {
    String subject = subject();
    assertThat(call("POST", "/compatibility/subjects/" + subject + "/versions/latest", schemaBody(USER)).body())
        .as("a subject without versions accepts anything").isEqualTo("{\"is_compatible\":true}");
    call("POST", "/subjects/" + subject + "/versions", schemaBody(USER));

    assertThat(call("POST", "/compatibility/subjects/" + subject + "/versions/latest", schemaBody(USER_WITH_EMAIL))
        .body()).isEqualTo("{\"is_compatible\":true}");
    assertThat(call("POST", "/compatibility/subjects/" + subject + "/versions/1?verbose=true",
        schemaBody(USER_WITH_EMAIL)).body()).isEqualTo("{\"is_compatible\":true,\"messages\":[]}");
    JsonNode incompatible = call("POST", "/compatibility/subjects/" + subject + "/versions",
        schemaBody(USER_REQUIRING_EMAIL)).json();
    assertThat(incompatible.get("is_compatible").asBoolean()).isFalse();
    assertThat(incompatible.get("messages")).anyMatch(m -> m.asText().contains("READER_FIELD_MISSING_DEFAULT_VALUE"));
    assertThat(call("POST", "/compatibility/subjects/" + subject + "/versions/5", schemaBody(USER)).json()
        .get("error_code").asInt()).isEqualTo(40402);
  }

  @Test
  void configAnswersLikeConfluent() throws Exception {
    String subject = subject();
    assertThat(get("/config").body()).isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");
    Answer unset = get("/config/" + subject);
    assertThat(unset.status()).isEqualTo(404);
    assertThat(unset.body()).isEqualTo(
        error(40408, "Subject '" + subject + "' does not have subject-level compatibility configured"));
    assertThat(get("/config/" + subject + "?defaultToGlobal=true").body())
        .isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");

    assertThat(call("PUT", "/config/" + subject, "{\"compatibility\":\"FULL\"}").body())
        .isEqualTo("{\"compatibility\":\"FULL\"}");
    assertThat(get("/config/" + subject).body()).isEqualTo("{\"compatibilityLevel\":\"FULL\"}");
    Answer invalid = call("PUT", "/config", "{\"compatibility\":\"SIDEWAYS\"}");
    assertThat(invalid.status()).isEqualTo(422);
    assertThat(invalid.json().get("error_code").asInt()).isEqualTo(42203);

    assertThat(call("DELETE", "/config/" + subject, null).body()).isEqualTo("{\"compatibilityLevel\":\"FULL\"}");
    assertThat(get("/config/" + subject).status()).isEqualTo(404);
    assertThat(call("DELETE", "/config/" + subject, null).json().get("error_code").asInt()).isEqualTo(40401);
  }

  @Test
  void softDeletedSubjectsDisappearButKeepTheirIds() throws Exception {
    String subject = subject();
    int id = call("POST", "/subjects/" + subject + "/versions", schemaBody(USER)).json().get("id").asInt();
    call("POST", "/subjects/" + subject + "/versions", schemaBody(USER_WITH_EMAIL));

    assertThat(call("DELETE", "/subjects/" + subject, null).body()).isEqualTo("[1,2]");
    assertThat(get("/subjects/" + subject + "/versions").status()).isEqualTo(404);
    assertThat(get("/subjects").json()).noneMatch(s -> s.asText().equals(subject));
    assertThat(get("/subjects?deleted=true").json()).anyMatch(s -> s.asText().equals(subject));
    assertThat(get("/subjects/" + subject + "/versions?deleted=true").body()).isEqualTo("[1,2]");
    assertThat(get("/schemas/ids/" + id).status()).isEqualTo(200);
    assertThat(call("DELETE", "/subjects/" + subject, null).json().get("error_code").asInt()).isEqualTo(40404);

    assertThat(call("POST", "/subjects/" + subject + "/versions", schemaBody(USER)).body())
        .isEqualTo("{\"id\":" + id + "}");
    assertThat(get("/subjects/" + subject + "/versions").body()).isEqualTo("[3]");
  }

  @Test
  void subjectsWithReservedCharactersArePathEncoded() throws Exception {
    String subject = "team/a b+c-" + UUID.randomUUID();
    String encoded = java.net.URLEncoder.encode(subject, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    int id = call("POST", "/subjects/" + encoded + "/versions", schemaBody(USER)).json().get("id").asInt();

    assertThat(get("/subjects/" + encoded + "/versions/1").json().get("subject").asText()).isEqualTo(subject);
    assertThat(new HttpSchemaRegistryClient(server.url()).lookup(subject, TestSchemas.user()))
        .map(SchemaRegistry.SubjectVersion::id).contains(id);
  }
}
