package dev.lifeboat.repository.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BlobKeysTest {
  @Test
  void keysAreOrderedByTheirUtf8BytesAsS3ListsThem() {
    List<String> keys = List.of("a", "a/", "a0", "B", "é", "\uFF21", "\uD83D\uDE00", "ab", "");
    List<String> byBytes = keys.stream().sorted((x, y) -> Arrays.compareUnsigned(
        x.getBytes(StandardCharsets.UTF_8), y.getBytes(StandardCharsets.UTF_8))).toList();
    assertThat(keys.stream().sorted(BlobKeys::compare).toList()).isEqualTo(byBytes);
    assertThat(BlobKeys.compare("\uFF21", "\uD83D\uDE00"))
        .as("a character outside the BMP sorts after U+FF21, unlike String.compareTo")
        .isNegative();
  }

  @Test
  void refusalsNameTheKey() {
    assertThatThrownBy(() -> BlobKeys.requireValid("a/../b")).hasMessageContaining("a/../b");
    assertThatThrownBy(() -> BlobKeys.requireValid("x".repeat(1025))).hasMessageContaining("1024 bytes");
    assertThatThrownBy(() -> BlobKeys.requireValidPrefix("/a")).hasMessageContaining("/a");
    assertThat(BlobKeys.requireValidPrefix("")).isEmpty();
    assertThat(BlobKeys.requireValid("a.b/.c/d..")).isEqualTo("a.b/.c/d..");
  }
}
