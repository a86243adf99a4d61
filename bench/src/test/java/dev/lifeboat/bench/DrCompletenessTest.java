package dev.lifeboat.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The drill's completeness checks find what they exist to find: a missing, changed or extra object or file. */
class DrCompletenessTest {
  @TempDir
  Path dir;

  @Test
  void aMissingAChangedAndAnUnexpectedObjectAreEachNamed() {
    Map<String, Object> source = new TreeMap<>(Map.of("v1/ConfigMap a/x", Map.of("data", Map.of("k", "1")),
        "v1/Secret a/y", Map.of("data", Map.of("k", "2")), "v1/Service a/z", Map.of("spec", Map.of())));
    assertThat(DrObjects.differences(source, new TreeMap<>(source))).isEmpty();

    Map<String, Object> restored = new TreeMap<>(source);
    restored.remove("v1/Secret a/y");
    restored.put("v1/ConfigMap a/x", Map.of("data", Map.of("k", "changed")));
    restored.put("v1/ConfigMap a/extra", Map.of());
    assertThat(DrObjects.differences(source, restored)).containsExactlyInAnyOrder("missing: v1/Secret a/y",
        "different: v1/ConfigMap a/x", "unexpected: v1/ConfigMap a/extra");
  }

  @Test
  void theHashesWrittenWithAVolumesFilesAreTheirsAndAFlippedByteChangesOne() throws Exception {
    Path tree = dir.resolve("volume");
    Map<String, String> written = DrWorkload.writeTree(tree, 40L << 20, new SplittableRandom(7));
    assertThat(DrWorkload.hashTree(tree)).isEqualTo(written);
    long bytes = 0;
    for (String f : written.keySet()) {
      bytes += Files.size(tree.resolve(f));
    }
    assertThat(bytes).as("exactly the size asked for").isEqualTo(40L << 20);
    assertThat(written.size()).as("mixed sizes: many files").isGreaterThan(5);

    Path first = tree.resolve(written.keySet().iterator().next());
    byte[] content = Files.readAllBytes(first);
    content[content.length / 2] ^= 1;
    Files.write(first, content);
    Map<String, String> after = DrWorkload.hashTree(tree);
    assertThat(after.keySet()).isEqualTo(written.keySet());
    assertThat(after).isNotEqualTo(written);
  }
}
