package dev.lifeboat.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client against canned HTTP answers: headers it sends, how it reads registry errors. */
class HttpSchemaRegistryClientTest {
  private HttpServer server;
  private final Map<String, String> requestHeaders = new ConcurrentHashMap<>();

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  /** Answers every request with {@code status} and {@code body}, remembering the request's headers. */
  private String serve(int status, String body) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      exchange.getRequestHeaders().forEach((name, values) -> requestHeaders.put(name.toLowerCase(), values.get(0)));
      requestHeaders.put(":path", exchange.getRequestURI().getRawPath());
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    });
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @Test
  void nothingListeningIsReportedAsUnavailableNamingTheUrl() throws IOException {
    int freePort;
    try (ServerSocket socket = new ServerSocket(0)) {
      freePort = socket.getLocalPort();
    }
    String url = "http://127.0.0.1:" + freePort;
    HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(url, Duration.ofSeconds(2));

    assertThatThrownBy(() -> client.schemaById(1))
        .isInstanceOf(RegistryUnavailableException.class)
        .hasMessageContaining(url);
  }

  @Test
  void sendsTheRegistryMediaTypes() throws IOException {
    HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(serve(200, "{\"id\":5}"));

    assertThat(client.register("users value/1", TestSchemas.user())).isEqualTo(5);
    assertThat(requestHeaders).containsEntry("accept",
        "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5");
    assertThat(requestHeaders).containsEntry("content-type", "application/vnd.schemaregistry.v1+json");
    assertThat(requestHeaders).containsEntry(":path", "/subjects/users%20value%2F1/versions");
  }

  @Test
  void registryErrorsKeepTheirStatusCodeAndMessage() throws IOException {
    HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(
        serve(404, "{\"error_code\":40403,\"message\":\"Schema 7 not found\"}"));

    assertThatThrownBy(() -> client.schemaById(7))
        .isInstanceOfSatisfying(RegistryException.class, e -> {
          assertThat(e.httpStatus()).isEqualTo(404);
          assertThat(e.errorCode()).isEqualTo(40403);
          assertThat(e.errorMessage()).isEqualTo("Schema 7 not found");
        });
    assertThat(client.lookup("users", TestSchemas.user())).isEmpty();
  }

  @Test
  void anErrorWithoutARegistryBodyStillCarriesTheStatus() throws IOException {
    HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(serve(502, "<html>Bad Gateway</html>"));

    assertThatThrownBy(client::subjects)
        .isInstanceOfSatisfying(RegistryException.class, e -> {
          assertThat(e.httpStatus()).isEqualTo(502);
          assertThat(e.errorCode()).isEqualTo(502);
          assertThat(e.errorMessage()).contains("Bad Gateway");
        });
  }

  @Test
  void rejectsAUrlWithoutScheme() {
    assertThatThrownBy(() -> new HttpSchemaRegistryClient("localhost:8081"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("localhost:8081");
  }
}
