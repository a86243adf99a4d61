package dev.lifeboat.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.security.cert.CertificateException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SchemaRegistry} over the REST API of Confluent's schema registry (ours, or any
 * compatible one). Ids and registrations are cached: ids never change meaning, so once a schema
 * was registered or fetched, the serializer's and deserializer's hot paths make no HTTP call.
 * Thread-safe.
 */
public final class HttpSchemaRegistryClient implements SchemaRegistry {
  private static final Logger log = LoggerFactory.getLogger(HttpSchemaRegistryClient.class);
  /** Longer than the server's own wait for Kafka, so its 50002 answer arrives rather than a client timeout. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  static final String ACCEPT = "application/vnd.schemaregistry.v1+json,"
      + " application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";
  static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<Integer> NOT_FOUND_CODES = Set.of(
      RegistryErrors.SUBJECT_NOT_FOUND, RegistryErrors.VERSION_NOT_FOUND, RegistryErrors.SCHEMA_NOT_FOUND);

  private final String baseUrl;
  private final Duration timeout;
  private final HttpClient http;
  /** The user signed in as, or null; the password lives only inside {@link #authorization}. */
  private final String username;
  /** The basic-auth header value sent with every request, or null. */
  private final String authorization;
  private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
  private final Map<String, Map<Schema, Integer>> idsBySubject = new ConcurrentHashMap<>();
  private final Map<String, Map<Schema, SubjectVersion>> versionsBySubject = new ConcurrentHashMap<>();

  public HttpSchemaRegistryClient(String baseUrl) {
    this(baseUrl, DEFAULT_TIMEOUT);
  }

  /**
   * @param baseUrl the registry's URL, e.g. {@code http://127.0.0.1:8081}
   * @param timeout how long to wait for a connection and for each answer
   */
  public HttpSchemaRegistryClient(String baseUrl, Duration timeout) {
    this(baseUrl, timeout, null, null, null);
  }

  /**
   * A client of a registry that may be reached over HTTPS and may require HTTP basic auth.
   *
   * @param baseUrl the registry's URL, e.g. {@code https://registry:8081}
   * @param timeout how long to wait for a connection and for each answer
   * @param tls the TLS context for an https:// URL (which CAs are trusted); null: the JDK's default
   * @param username with {@code password}, sent with every request; null: no credentials
   * @param password the password of {@code username}
   */
  public HttpSchemaRegistryClient(String baseUrl, Duration timeout, SSLContext tls, String username, String password) {
    if (baseUrl == null || !(baseUrl.startsWith("http://") || baseUrl.startsWith("https://"))) {
      throw new IllegalArgumentException("schema registry URL '" + baseUrl + "' is invalid: use http://host:port");
    }
    if ((username == null) != (password == null)) {
      throw new IllegalArgumentException("schema registry at " + baseUrl + ": username and password go together");
    }
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.timeout = timeout;
    HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout);
    if (tls != null) {
      builder.sslContext(tls);
    }
    this.http = builder.build();
    this.username = username;
    this.authorization = username == null ? null : "Basic " + Base64.getEncoder().encodeToString(
        (username + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  public String url() {
    return baseUrl;
  }

  @Override
  public int register(String subject, Schema schema) {
    Map<Schema, Integer> ids = idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
    Integer cached = ids.get(schema);
    if (cached != null) {
      return cached;
    }
    int id = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema)).get("id").asInt();
    ids.put(schema, id);
    schemasById.putIfAbsent(id, schema);
    return id;
  }

  @Override
  public Schema schemaById(int id) {
    Schema cached = schemasById.get(id);
    if (cached != null) {
      return cached;
    }
    Schema schema = parse(send("GET", "/schemas/ids/" + id, null).get("schema").asText());
    Schema previous = schemasById.putIfAbsent(id, schema);
    return previous != null ? previous : schema;
  }

  @Override
  public Optional<SubjectVersion> lookup(String subject, Schema schema) {
    Map<Schema, SubjectVersion> versions = versionsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
    SubjectVersion cached = versions.get(schema);
    if (cached != null) {
      return Optional.of(cached);
    }
    try {
      JsonNode answer = send("POST", "/subjects/" + encode(subject), schemaBody(schema));
      SubjectVersion found = new SubjectVersion(answer.get("subject").asText(subject),
          answer.get("version").asInt(), answer.get("id").asInt(), schema);
      versions.put(schema, found);
      idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).put(schema, found.id());
      schemasById.putIfAbsent(found.id(), schema);
      return Optional.of(found);
    } catch (RegistryException e) {
      if (e.httpStatus() == 404 && NOT_FOUND_CODES.contains(e.errorCode())) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public List<Integer> versions(String subject) {
    try {
      List<Integer> versions = new ArrayList<>();
      send("GET", "/subjects/" + encode(subject) + "/versions", null).forEach(v -> versions.add(v.asInt()));
      return versions;
    } catch (RegistryException e) {
      if (e.errorCode() == RegistryErrors.SUBJECT_NOT_FOUND) {
        return List.of();
      }
      throw e;
    }
  }

  @Override
  public SubjectVersion version(String subject, int version) {
    String spec = version == -1 ? "latest" : Integer.toString(version);
    JsonNode answer = send("GET", "/subjects/" + encode(subject) + "/versions/" + spec, null);
    int id = answer.get("id").asInt();
    Schema schema = schemasById.computeIfAbsent(id, i -> parse(answer.get("schema").asText()));
    return new SubjectVersion(answer.get("subject").asText(subject), answer.get("version").asInt(), id, schema);
  }

  /** Checks against every version of the subject, as registering would (falls back to the latest on older registries). */
  @Override
  public boolean isCompatible(String subject, Schema schema) {
    String path = "/compatibility/subjects/" + encode(subject) + "/versions";
    JsonNode answer;
    try {
      answer = send("POST", path, schemaBody(schema));
    } catch (RegistryException e) {
      if (e.errorCode() != 404 && e.errorCode() != 405) {
        throw e;
      }
      answer = send("POST", path + "/latest", schemaBody(schema));
    }
    return answer.get("is_compatible").asBoolean();
  }

  @Override
  public List<String> subjects() {
    List<String> subjects = new ArrayList<>();
    send("GET", "/subjects", null).forEach(s -> subjects.add(s.asText()));
    subjects.sort(null);
    return subjects;
  }

  @Override
  public String globalCompatibility() {
    return send("GET", "/config", null).get("compatibilityLevel").asText();
  }

  @Override
  public void setGlobalCompatibility(String level) {
    send("PUT", "/config", JSON.createObjectNode().put("compatibility", level));
  }

  @Override
  public Optional<String> subjectCompatibility(String subject) {
    try {
      return Optional.of(send("GET", "/config/" + encode(subject), null).get("compatibilityLevel").asText());
    } catch (RegistryException e) {
      // 40408 today; registries before Confluent 7 answered 40401
      if (e.errorCode() == RegistryErrors.SUBJECT_COMPATIBILITY_NOT_CONFIGURED
          || e.errorCode() == RegistryErrors.SUBJECT_NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public void setSubjectCompatibility(String subject, String level) {
    send("PUT", "/config/" + encode(subject), JSON.createObjectNode().put("compatibility", level));
  }

  private JsonNode send(String method, String path, ObjectNode body) {
    String url = baseUrl + path;
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
        .timeout(timeout)
        .header("Accept", ACCEPT)
        .header("Content-Type", CONTENT_TYPE);
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    request.method(method, body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      if (untrusted(e)) {
        throw new RegistryCertificateException("Schema registry at " + baseUrl + " cannot be trusted: the TLS handshake"
            + " failed verifying its certificate (" + e.getMessage() + "); is registry.caFile the CA that signed it,"
            + " and does the certificate name the URL's host?", e);
      }
      throw new RegistryUnavailableException("Schema registry at " + baseUrl + " is unreachable ("
          + method + " " + path + "): " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryUnavailableException("Interrupted calling the schema registry at " + baseUrl, e);
    }
    if (response.statusCode() == 401 || response.statusCode() == 403) {
      throw refused(response.statusCode(), method, path);
    }
    JsonNode answer = readJson(response.body());
    if (response.statusCode() >= 400) {
      throw error(response.statusCode(), answer, response.body(), url);
    }
    if (answer == null) {
      throw new RegistryException(502, 50001, "Schema registry at " + url + " answered " + response.statusCode()
          + " with a body that is not JSON: " + abbreviate(response.body()));
    }
    log.trace("{} {} -> {}", method, url, response.statusCode());
    return answer;
  }

  /** 401 and 403 are permanent: trying again with the same credentials is refused again. */
  private RegistryException refused(int status, String method, String path) {
    if (status == 403) {
      return new RegistryException(403, 403, "Schema registry at " + baseUrl + " accepted the credentials of user '"
          + username + "' but forbids them " + method + " " + path);
    }
    return new RegistryException(401, 401, "Schema registry at " + baseUrl + (username == null
        ? " requires credentials and none were sent: set registry.username and registry.password"
        : " refused the credentials of user '" + username + "': check registry.username and registry.password"));
  }

  /** Whether a failed call failed checking the server's certificate (untrusted CA, wrong host name), not the network. */
  private static boolean untrusted(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof CertificateException) {
        return true; // the JDK's PKIX and host name checks fail with one under the SSLHandshakeException
      }
    }
    return false;
  }

  private static RegistryException error(int status, JsonNode answer, String body, String url) {
    if (answer != null && answer.hasNonNull("error_code")) {
      return new RegistryException(status, answer.get("error_code").asInt(), answer.path("message").asText(""));
    }
    return new RegistryException(status, status, "HTTP " + status + " from " + url + ": " + abbreviate(body));
  }

  private static JsonNode readJson(String body) {
    if (body == null || body.isBlank()) {
      return null;
    }
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      return null;
    }
  }

  private static ObjectNode schemaBody(Schema schema) {
    return JSON.createObjectNode().put("schema", schema.toString());
  }

  private static Schema parse(String text) {
    return new Schema.Parser().parse(text);
  }

  private static String encode(String pathSegment) {
    return URLEncoder.encode(pathSegment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String abbreviate(String text) {
    return text == null ? "" : text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }
}
