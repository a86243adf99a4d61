package dev.lifeboat.repository.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.testing.ResourceChanges;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ResourceDocumentTest {

  @Test
  void theSameChangeAlwaysGivesTheSameSingleLineAndParsesBack() {
    ResourceChanges object = ResourceChanges.in("prod").namespace("shop").configMap("web").data("blue")
        .observedAt(Instant.parse("2026-01-01T00:00:00Z"));
    ResourceChanged change = object.modified();

    byte[] line = ResourceDocument.of(object.key(), change).toLine();

    assertThat(ResourceDocument.of(object.key(), ResourceChanged.newBuilder(change).build()).toLine()).isEqualTo(line);
    String text = new String(line, StandardCharsets.UTF_8);
    assertThat(text).endsWith("\n").doesNotContain("\n\n");
    assertThat(text.indexOf('\n')).isEqualTo(text.length() - 1);
    assertThat(text).startsWith("{\"key\":\"prod/shop//ConfigMap/web\",\"group\":\"\",\"version\":\"v1\",\"kind\":\"ConfigMap\"");
    ResourceDocument parsed = ResourceDocument.parse(text);
    assertThat(parsed).isEqualTo(ResourceDocument.of(object.key(), change));
    assertThat(parsed.objectTree().path("data").path("value").asText()).isEqualTo("blue");
    assertThat(parsed.namespaceOrCluster()).isEqualTo("shop");
  }

  @Test
  void aPrettyPrintedObjectIsWrittenOnOneLine() {
    ResourceChanges object = ResourceChanges.in("prod").clusterScoped().kind("", "v1", "Namespace").name("shop");
    ResourceChanged change = ResourceChanged.newBuilder(object.added())
        .setObject(ByteBuffer.wrap("{\n  \"kind\": \"Namespace\",\n  \"metadata\": {\"name\": \"shop\"}\n}\n".getBytes(StandardCharsets.UTF_8)))
        .build();

    ResourceDocument document = ResourceDocument.of(object.key(), change);

    assertThat(document.object()).isEqualTo("{\"kind\":\"Namespace\",\"metadata\":{\"name\":\"shop\"}}");
    assertThat(document.namespaceOrCluster()).isEqualTo(ResourceDocument.CLUSTER_SCOPED);
    assertThat(ResourceDocument.namespaceOfKey(object.key())).isEqualTo(ResourceDocument.CLUSTER_SCOPED);
  }

  @Test
  void anObjectThatIsNotJsonIsRefusedNamingTheObject() {
    ResourceChanges object = ResourceChanges.in("prod").namespace("shop").configMap("broken");
    ResourceChanged change = ResourceChanged.newBuilder(object.added())
        .setObject(ByteBuffer.wrap("{not json".getBytes(StandardCharsets.UTF_8))).build();

    assertThatThrownBy(() -> ResourceDocument.of(object.key(), change))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prod/shop//ConfigMap/broken");
  }
}
