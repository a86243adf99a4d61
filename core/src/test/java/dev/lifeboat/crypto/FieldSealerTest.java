package dev.lifeboat.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FieldSealerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final byte[] k1 = new byte[32];
  private final byte[] k2 = new byte[32];

  FieldSealerTest() {
    k2[31] = 7;
  }

  private ObjectNode secret() throws Exception {
    return (ObjectNode) JSON.readTree(("{'apiVersion':'v1','kind':'Secret','type':'Opaque','metadata':{'name':'db','annotations':"
        + "{'kubectl.kubernetes.io/last-applied-configuration':'{stringData:{password:hunter2}}','team':'x'}},"
        + "'data':{'password':'aHVudGVyMg=='},'stringData':{'token':'hunter2'}}").replace('\'', '"'));
  }

  @Test
  void sealsThePayloadAndTheLastAppliedAnnotationAndOpensThemAgain() throws Exception {
    FieldSealer sealer = new FieldSealer(new KeyRing("k1", Map.of("k1", k1)));
    ObjectNode original = secret();

    ObjectNode sealed = sealer.seal(original, "prod/ns//Secret/db");

    assertThat(sealed.toString()).doesNotContain("hunter2").doesNotContain("aHVudGVyMg==").doesNotContain("password");
    assertThat(sealed.path("data").asText()).startsWith("lifeboat:aes256gcm:v1:k1:");
    assertThat(sealed.path("type").asText()).isEqualTo("Opaque");
    assertThat(sealed.path("metadata").path("annotations").path("team").asText()).isEqualTo("x");
    assertThat(sealer.unseal(sealed, "prod/ns//Secret/db")).isEqualTo(original);
  }

  @Test
  void aValueMovedToAnotherObjectOrAlteredDoesNotOpen() throws Exception {
    FieldSealer sealer = new FieldSealer(new KeyRing("k1", Map.of("k1", k1)));
    ObjectNode sealed = sealer.seal(secret(), "prod/ns//Secret/db");

    assertThatThrownBy(() -> sealer.unseal(sealed, "prod/ns//Secret/other"))
        .hasMessageContaining("authentication failed");
    String data = sealed.path("data").asText();
    sealed.put("data", data.substring(0, data.length() - 4) + "AAA=");
    assertThatThrownBy(() -> sealer.unseal(sealed, "prod/ns//Secret/db")).isInstanceOf(RuntimeException.class);
  }

  @Test
  void rotatedKeysStillOpenOldDataAndAMissingKeyIsNamed() throws Exception {
    ObjectNode sealedWithK1 = new FieldSealer(new KeyRing("k1", Map.of("k1", k1))).seal(secret(), "id");
    FieldSealer rotated = new FieldSealer(new KeyRing("k2", Map.of("k1", k1, "k2", k2)));

    assertThat(rotated.unseal(sealedWithK1, "id")).isEqualTo(secret());
    assertThat(rotated.seal(secret(), "id").path("data").asText()).startsWith("lifeboat:aes256gcm:v1:k2:");
    assertThatThrownBy(() -> new FieldSealer(new KeyRing("k2", Map.of("k2", k2))).unseal(sealedWithK1, "id"))
        .hasMessageContaining("encrypted with key 'k1', which is not configured");
  }
}
