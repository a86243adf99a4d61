package dev.lifeboat.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RegistryHttpHandlerTest {

  @Test
  void subjectsMayHoldEncodedSlashesPlusesAndSpaces() {
    assertThat(RegistryHttpHandler.segments("/subjects/a%2Fb+c%20d/versions/"))
        .containsExactly("subjects", "a/b+c d", "versions");
    assertThat(RegistryHttpHandler.segments("/")).isEmpty();
  }

  @Test
  void queryParametersAreDecoded() {
    assertThat(RegistryHttpHandler.query("deleted=true&timeout=30s&subjectPrefix=a%2Fb&normalize"))
        .containsEntry("deleted", "true")
        .containsEntry("timeout", "30s")
        .containsEntry("subjectPrefix", "a/b")
        .containsEntry("normalize", "");
  }
}
