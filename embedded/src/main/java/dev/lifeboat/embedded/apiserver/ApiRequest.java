package dev.lifeboat.embedded.apiserver;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP request to the local API, taken off the wire: method, path, query parameters, headers
 * (names in lower case) and body.
 */
record ApiRequest(String method, String path, Map<String, String> query, Map<String, String> headers,
    byte[] body) {

  /** Requests with this header set to {@code true} are served during an outage. */
  static final String ADMIN_HEADER = "X-Lifeboat-Admin";

  ApiRequest {
    query = Map.copyOf(query);
    body = body == null ? new byte[0] : body;
  }

  /** Splits a request URI into its path and decoded query parameters (the first of each name). */
  static ApiRequest of(String method, String uri, Map<String, String> headers, byte[] body) {
    int mark = uri.indexOf('?');
    String path = mark < 0 ? uri : uri.substring(0, mark);
    Map<String, String> query = new HashMap<>();
    if (mark >= 0) {
      for (String pair : uri.substring(mark + 1).split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int equals = pair.indexOf('=');
        String name = equals < 0 ? pair : pair.substring(0, equals);
        String value = equals < 0 ? "" : pair.substring(equals + 1);
        try {
          query.putIfAbsent(URLDecoder.decode(name, StandardCharsets.UTF_8),
              URLDecoder.decode(value, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
          throw ApiException.badRequest("malformed query parameter " + pair);
        }
      }
    }
    Map<String, String> lower = new HashMap<>();
    headers.forEach((k, v) -> lower.putIfAbsent(k.toLowerCase(Locale.ROOT), v));
    return new ApiRequest(method.toUpperCase(Locale.ROOT), path, query, lower, body);
  }

  String header(String name) {
    return headers.get(name.toLowerCase(Locale.ROOT));
  }

  String param(String name) {
    return query.get(name);
  }

  boolean isAdmin() {
    return "true".equalsIgnoreCase(header(ADMIN_HEADER));
  }

  /** A GET with {@code watch=true} or {@code watch=1}. */
  boolean isWatch() {
    String watch = query.get("watch");
    return "GET".equals(method) && ("true".equalsIgnoreCase(watch) || "1".equals(watch));
  }

  boolean isWebSocketUpgrade() {
    return "websocket".equalsIgnoreCase(header("Upgrade"));
  }

  /** The media type of the body, without parameters, in lower case; empty when absent. */
  String contentType() {
    String type = header("Content-Type");
    if (type == null) {
      return "";
    }
    int semicolon = type.indexOf(';');
    return (semicolon < 0 ? type : type.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
  }

  /** The path's segments, without empty ones: {@code /api/v1/pods} is {@code [api, v1, pods]}. */
  String[] segments() {
    String trimmed = path.replaceAll("^/+|/+$", "");
    return trimmed.isEmpty() ? new String[0] : trimmed.split("/+");
  }
}
