package dev.lifeboat.embedded.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProtobufObjectsTest {

  /** The body kubectl 1.32 sends for {@code kubectl create configmap x --from-literal=a=b}. */
  private static final byte[] KUBECTL_CONFIGMAP = bytes(
      "k8s\0\n\u000f\n\u0002v1\u0012\tConfigMap\u0012\u001b\n\u0011\n\u0001x\u0012\0\u001a\0\"\0*\0"
          + "2\08\0B\0\u0012\u0006\n\u0001a\u0012\u0001b\u001a\0\"\0");

  @Test
  void aConfigMapAsKubectlSendsItReadsAsTheJsonItWouldHaveSent() {
    ObjectNode object = ProtobufObjects.decode(KUBECTL_CONFIGMAP);

    assertThat(object.path("apiVersion").asText()).isEqualTo("v1");
    assertThat(object.path("kind").asText()).isEqualTo("ConfigMap");
    assertThat(object.at("/metadata/name").asText()).isEqualTo("x");
    assertThat(object.at("/data/a").asText()).isEqualTo("b");
    // empty strings and a zero creationTimestamp are left out, as Go's omitempty leaves them
    assertThat(object.path("metadata").has("namespace")).isFalse();
    assertThat(object.path("metadata").has("creationTimestamp")).isFalse();
    assertThat(object.path("metadata").has("generation")).as("a zero Go leaves out").isFalse();
  }

  @Test
  void timesQuantitiesAndIntOrStringsReadAsTheirJsonForms() {
    // a Service port: name=http (1), port=80 (3), targetPort IntOrString{type 1, strVal "web"} (4)
    byte[] targetPort = message(field(1, 0, varint(1)), field(3, 2, "web".getBytes(StandardCharsets.UTF_8)));
    byte[] port = message(field(1, 2, "http".getBytes(StandardCharsets.UTF_8)), field(3, 0, varint(80)),
        field(4, 2, targetPort));
    byte[] spec = message(field(1, 2, port));
    // metadata.creationTimestamp = Time{seconds: 1700000000}
    byte[] time = message(field(1, 0, varint(1_700_000_000L)));
    byte[] metadata = message(field(1, 2, "web".getBytes(StandardCharsets.UTF_8)), field(8, 2, time));
    byte[] service = message(field(1, 2, metadata), field(2, 2, spec));

    ObjectNode object = ProtobufObjects.decode(envelope("v1", "Service", service));

    assertThat(object.at("/metadata/creationTimestamp").asText()).isEqualTo("2023-11-14T22:13:20Z");
    assertThat(object.at("/spec/ports/0/name").asText()).isEqualTo("http");
    assertThat(object.at("/spec/ports/0/port").asInt()).isEqualTo(80);
    assertThat(object.at("/spec/ports/0/targetPort").asText()).isEqualTo("web");
  }

  @Test
  void aKindThisServerCannotReadIsRefusedWith415NotDropped() {
    assertThatThrownBy(() -> ProtobufObjects.decode(envelope("example.com/v1", "Widget", new byte[0])))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(415));
    byte[] unknownField = message(field(99, 0, varint(1)));
    assertThatThrownBy(() -> ProtobufObjects.decode(envelope("v1", "ConfigMap", unknownField)))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(415))
        .hasMessageContaining("field 99");
  }

  private static byte[] envelope(String apiVersion, String kind, byte[] raw) {
    byte[] typeMeta = message(field(1, 2, apiVersion.getBytes(StandardCharsets.UTF_8)),
        field(2, 2, kind.getBytes(StandardCharsets.UTF_8)));
    byte[] unknown = message(field(1, 2, typeMeta), field(2, 2, raw));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {'k', '8', 's', 0});
    out.writeBytes(unknown);
    return out.toByteArray();
  }

  private static byte[] message(byte[]... fields) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] f : fields) {
      out.writeBytes(f);
    }
    return out.toByteArray();
  }

  private static byte[] field(int number, int wireType, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(varint(((long) number << 3) | wireType));
    if (wireType == 2) {
      out.writeBytes(varint(value.length));
    }
    out.writeBytes(value);
    return out.toByteArray();
  }

  private static byte[] varint(long value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long v = value;
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
    return out.toByteArray();
  }

  private static byte[] bytes(String latin1) {
    return latin1.getBytes(StandardCharsets.ISO_8859_1);
  }
}
