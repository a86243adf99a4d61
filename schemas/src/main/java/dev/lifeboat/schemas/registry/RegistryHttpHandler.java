package dev.lifeboat.schemas.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of the registry: decodes the path and query, hands the request to
 * {@link RegistryRoutes} and writes the answer, turning every failure into Confluent's error body
 * {@code {"error_code":N,"message":"..."}}. A bad request never takes the server down.
 */
final class RegistryHttpHandler implements HttpHandler {
  private static final Logger log = LoggerFactory.getLogger(RegistryHttpHandler.class);
  static final String REGISTRY_JSON = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Far above any real schema; keeps a runaway client from exhausting the heap. */
  static final int MAX_BODY_BYTES = 16 * 1024 * 1024;

  private final RegistryRoutes routes;
  private final AtomicLong requests = new AtomicLong();

  RegistryHttpHandler(RegistryRoutes routes) {
    this.routes = routes;
  }

  /** How many requests this handler has received. */
  long requestCount() {
    return requests.get();
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    requests.incrementAndGet();
    String method = exchange.getRequestMethod();
    String path = exchange.getRequestURI().getRawPath();
    RegistryRoutes.Response response;
    try {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readNBytes(MAX_BODY_BYTES + 1);
      }
      if (body.length > MAX_BODY_BYTES) {
        throw new RegistryException(413, 413, "Request body larger than " + MAX_BODY_BYTES + " bytes");
      }
      response = routes.dispatch(method, segments(path), query(exchange.getRequestURI().getRawQuery()), body);
    } catch (RegistryException e) {
      if (e.httpStatus() >= 500) {
        log.warn("{} {} failed: {}", method, path, e.getMessage());
      } else {
        log.debug("{} {} answered {}: {}", method, path, e.errorCode(), e.errorMessage());
      }
      response = error(e.httpStatus(), e.errorCode(), e.errorMessage());
    } catch (RuntimeException e) {
      log.error("{} {} failed", method, path, e);
      response = error(500, RegistryErrors.STORE_ERROR, "Internal error: " + e);
    }
    try {
      byte[] bytes = response.json().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", contentType(exchange.getRequestHeaders().getFirst("Accept")));
      exchange.sendResponseHeaders(response.status(), bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    } catch (IOException e) {
      log.debug("Could not answer {} {}: {}", method, path, e.toString());
    } finally {
      exchange.close();
    }
  }

  private static RegistryRoutes.Response error(int status, int errorCode, String message) {
    return new RegistryRoutes.Response(status,
        JSON.createObjectNode().put("error_code", errorCode).put("message", message).toString());
  }

  /** Registry JSON unless the client asked for plain JSON only. */
  private static String contentType(String accept) {
    if (accept != null && !accept.contains("vnd.schemaregistry") && !accept.contains("*/*")
        && accept.contains("application/json")) {
      return "application/json";
    }
    return REGISTRY_JSON;
  }

  /** The path's segments, percent-decoded one by one, so an encoded '/' stays inside a subject. */
  static List<String> segments(String rawPath) {
    List<String> segments = new ArrayList<>();
    for (String segment : rawPath.split("/")) {
      if (!segment.isEmpty()) {
        segments.add(decode(segment.replace("+", "%2B")));
      }
    }
    return segments;
  }

  static Map<String, String> query(String rawQuery) {
    Map<String, String> query = new HashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return query;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      query.put(decode(name), decode(value));
    }
    return query;
  }

  private static String decode(String text) {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new RegistryException(400, 400, "Malformed percent-encoding in '" + text + "'");
    }
  }
}
