package dev.lifeboat.repository.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Compacting token by token must give the bytes a tree gave, or unchanged objects would stop deduplicating. */
class ResourceDocumentCompactTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"web\",\"labels\":{\"a\":\"b\"}}}",
      "{\n  \"a\" : [ 1, 2.5, -3, 1e3, 12345678901234567890, 0.1, true, false, null ],\n  \"b\" : { }\n}",
      "{\"text\":\"caf\u00e9 \\u00e9 \\n \\\" \\\\ \\/ \\u0001 \u2028 \ud83d\ude00\"}",
      "{\"deep\":[[[{\"x\":[]}]]],\"n\":-0.0,\"big\":1.7976931348623157E308,\"tiny\":4.9E-324}",
      "[1,{\"a\":\"b\"}]",
      "\"just a string\"",
      "{\"a\":1} {\"ignored\":true}"})
  void compactingTokenByTokenGivesTheTextATreeGives(String json) throws Exception {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    assertThat(ResourceDocument.compact("k", bytes)).isEqualTo(JSON.readTree(bytes).toString());
  }

  @Test
  void whatIsNotJsonOrIsEmptyIsRefused() {
    assertThatThrownBy(() -> ResourceDocument.compact("prod/shop//ConfigMap/web", "{\"a\":".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prod/shop//ConfigMap/web is not JSON");
    assertThatThrownBy(() -> ResourceDocument.compact("k", "   ".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
    assertThatThrownBy(() -> ResourceDocument.compact("k", "{not json}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not JSON");
  }
}
