package dev.lifeboat.repository.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpilledObjectsTest {
  @TempDir
  Path directory;

  private static ResourceDocument configMap(String namespace, String name, String value) {
    String ns = namespace == null ? "" : namespace;
    return new ResourceDocument("prod/" + ns + "//ConfigMap/" + name, "", "v1", "ConfigMap", namespace, name, "uid-" + name,
        "1", null, null, null, "{\"metadata\":{\"name\":\"" + name + "\"},\"data\":{\"v\":\"" + value + "\"}}");
  }

  @Test
  void theLatestLineOfEachLiveKeyIsReadBackByNamespaceInKeyOrder() throws Exception {
    try (SpilledObjects objects = new SpilledObjects(directory)) {
      objects.put(configMap("shop", "web", "v1"));
      objects.put(configMap("cache", "redis", "v1"));
      objects.put(configMap("shop", "api", "v1"));
      objects.put(configMap(null, "global", "v1"));
      objects.put(configMap("shop", "web", "v2"));
      objects.remove("prod/shop//ConfigMap/api");
      objects.put(configMap("shop", "db", "v1"));
      objects.finishWriting();

      assertThat(objects.size()).isEqualTo(4);
      assertThat(objects.namespaces()).containsExactly(ResourceDocument.CLUSTER_SCOPED, "cache", "shop");
      assertThat(objects.count("shop")).isEqualTo(2);
      assertThat(objects.count("absent")).isZero();
      try (InputStream lines = objects.lines("shop")) {
        assertThat(new String(lines.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(
            new String(configMap("shop", "db", "v1").toLine(), StandardCharsets.UTF_8)
                + new String(configMap("shop", "web", "v2").toLine(), StandardCharsets.UTF_8));
      }
      List<String> keys = new ArrayList<>();
      objects.forEach(d -> keys.add(d.key()));
      assertThat(keys).containsExactly("prod///ConfigMap/global", "prod/cache//ConfigMap/redis", "prod/shop//ConfigMap/db",
          "prod/shop//ConfigMap/web");
      assertThat(objects.get("prod/shop//ConfigMap/web").objectTree().path("data").path("v").asText()).isEqualTo("v2");
      assertThat(objects.spilledBytes()).isGreaterThan(5L * configMap("shop", "db", "v1").toLine().length - 10);
    }
    assertThat(Files.list(directory)).isEmpty();
  }

  @Test
  void aKeyThatIsNotAnObjectKeyIsRefusedAndReadingWaitsForTheEndOfWriting() throws Exception {
    try (SpilledObjects objects = new SpilledObjects(directory)) {
      assertThatThrownBy(() -> objects.put("no-slashes", new byte[] {'{', '}', '\n'}))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no-slashes");
      assertThatThrownBy(() -> objects.forEach(d -> { })).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("finishWriting");
    }
  }

  @Test
  void theKeyOfALineIsReadWithoutBuildingTheDocumentAndMalformedLinesAreRefused() {
    ResourceDocument d = configMap("shop", "web", "v1");
    assertThat(ResourceDocument.keyOfLine(d.toLine())).isEqualTo(d.key());
    assertThat(ResourceDocument.keyOfLine("{\"object\":{\"key\":\"inner\"},\"key\":\"a/b/c\"}".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("a/b/c");
    assertThatThrownBy(() -> ResourceDocument.keyOfLine("[1,2]".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ResourceDocument.keyOfLine("{\"group\":\"\"}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no key");
    assertThatThrownBy(() -> ResourceDocument.keyOfLine("{\"key\":\"a/b/c\"".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ResourceDocument.keyOfLine("{\"key\":\"a/b/c\"} {}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
