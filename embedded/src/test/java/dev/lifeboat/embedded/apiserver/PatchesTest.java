package dev.lifeboat.embedded.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PatchesTest {

  private static final String DEPLOYMENT = "{\"spec\":{\"replicas\":1,\"template\":{\"spec\":{\"containers\":["
      + "{\"name\":\"web\",\"image\":\"nginx:1.25\",\"env\":[{\"name\":\"A\",\"value\":\"1\"}]},"
      + "{\"name\":\"sidecar\",\"image\":\"envoy\"}]}}},\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\"}}}";

  @Test
  void aMergePatchReplacesListsAndRemovesNulls() {
    ObjectNode patched = Patches.apply(Patches.MERGE_PATCH, json(DEPLOYMENT), bytes(
        "{\"metadata\":{\"labels\":{\"b\":null}},\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"only\"}]}}}}"));

    assertThat(patched.at("/metadata/labels")).isEqualTo(json("{\"a\":\"1\"}"));
    assertThat(patched.at("/spec/template/spec/containers").size()).isEqualTo(1);
  }

  @Test
  void aStrategicMergePatchMergesContainersByNameAndHonoursKubectlsDirectives() {
    ObjectNode patched = Patches.apply(Patches.STRATEGIC_MERGE_PATCH, json(DEPLOYMENT), bytes(
        "{\"spec\":{\"template\":{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"web\"},{\"name\":\"sidecar\"}],"
            + "\"containers\":[{\"name\":\"web\",\"image\":\"nginx:1.26\"},{\"name\":\"sidecar\",\"$patch\":\"delete\"}]}}}}"));

    JsonNode containers = patched.at("/spec/template/spec/containers");
    assertThat(containers.size()).isEqualTo(1);
    assertThat(containers.get(0).path("image").asText()).isEqualTo("nginx:1.26");
    assertThat(containers.get(0).at("/env/0/value").asText()).isEqualTo("1");
    assertThat(patched.at("/spec/template/spec").has("$setElementOrder/containers")).isFalse();
  }

  @Test
  void aJsonPatchAddsReplacesAndRemoves() {
    ObjectNode patched = Patches.apply(Patches.JSON_PATCH, json(DEPLOYMENT), bytes(
        "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":3},"
            + "{\"op\":\"add\",\"path\":\"/metadata/labels/c\",\"value\":\"3\"},"
            + "{\"op\":\"remove\",\"path\":\"/spec/template/spec/containers/1\"}]"));

    assertThat(patched.at("/spec/replicas").asInt()).isEqualTo(3);
    assertThat(patched.at("/metadata/labels/c").asText()).isEqualTo("3");
    assertThat(patched.at("/spec/template/spec/containers").size()).isEqualTo(1);
  }

  private static ObjectNode json(String text) {
    return StoredObjects.parse(bytes(text));
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
