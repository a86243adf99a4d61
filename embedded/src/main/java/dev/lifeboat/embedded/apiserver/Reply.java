package dev.lifeboat.embedded.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;

/** A complete answer to a request: status code, media type and body. */
record Reply(int code, String contentType, byte[] body) {

  static Reply json(int code, JsonNode body) {
    return new Reply(code, "application/json", StoredObjects.bytes(body));
  }

  static Reply json(int code, String body) {
    return new Reply(code, "application/json", body.getBytes(StandardCharsets.UTF_8));
  }

  static Reply text(String body) {
    return new Reply(200, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
  }

  static Reply of(ApiException e) {
    return json(e.code(), e.status());
  }
}
