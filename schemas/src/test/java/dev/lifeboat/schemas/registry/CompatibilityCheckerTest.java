package dev.lifeboat.schemas.registry;

import static dev.lifeboat.schemas.registry.TestSchemas.user;
import static dev.lifeboat.schemas.registry.TestSchemas.userWithOptionalEmail;
import static dev.lifeboat.schemas.registry.TestSchemas.userWithRequiredEmail;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.schemas.registry.CompatibilityChecker.EarlierVersion;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class CompatibilityCheckerTest {

  private static List<String> check(CompatibilityLevel level, Schema candidate, Schema... earlier) {
    List<EarlierVersion> versions = new java.util.ArrayList<>();
    for (int i = 0; i < earlier.length; i++) {
      versions.add(new EarlierVersion(i + 1, earlier[i]));
    }
    return CompatibilityChecker.check(level, candidate, versions);
  }

  @Test
  void addingAFieldWithoutDefaultBreaksBackwardButNotForward() {
    assertThat(check(CompatibilityLevel.BACKWARD, userWithRequiredEmail(), user()))
        .anyMatch(m -> m.contains("READER_FIELD_MISSING_DEFAULT_VALUE"))
        .contains("{oldSchemaVersion: 1}", "{compatibility: 'BACKWARD'}");
    assertThat(check(CompatibilityLevel.FORWARD, userWithRequiredEmail(), user())).isEmpty();
    assertThat(check(CompatibilityLevel.FULL, userWithRequiredEmail(), user())).isNotEmpty();
  }

  @Test
  void removingAFieldWithoutDefaultBreaksForwardButNotBackward() {
    assertThat(check(CompatibilityLevel.BACKWARD, user(), userWithRequiredEmail())).isEmpty();
    assertThat(check(CompatibilityLevel.FORWARD, user(), userWithRequiredEmail()))
        .anyMatch(m -> m.contains("The old schema cannot read data written with the new schema"));
  }

  @Test
  void addingAFieldWithDefaultIsFullyCompatible() {
    for (CompatibilityLevel level : CompatibilityLevel.values()) {
      assertThat(check(level, userWithOptionalEmail(), user())).as(level.name()).isEmpty();
    }
  }

  @Test
  void nonTransitiveLevelsLookOnlyAtTheLatestVersion() {
    // v1 has no email, v2 has email with a default, the candidate has email without one:
    // it reads v2 data but not v1 data.
    Schema candidate = userWithRequiredEmail();
    assertThat(check(CompatibilityLevel.BACKWARD, candidate, user(), userWithOptionalEmail())).isEmpty();
    assertThat(check(CompatibilityLevel.BACKWARD_TRANSITIVE, candidate, user(), userWithOptionalEmail()))
        .contains("{oldSchemaVersion: 1}", "{compatibility: 'BACKWARD_TRANSITIVE'}");
    assertThat(check(CompatibilityLevel.FULL_TRANSITIVE, candidate, user(), userWithOptionalEmail()))
        .contains("{oldSchemaVersion: 1}");
  }

  @Test
  void forwardTransitiveChecksThatEveryEarlierVersionCanReadTheNewData() {
    // v1 requires email, v2 defaults it; the candidate drops it, which v1 cannot read.
    assertThat(check(CompatibilityLevel.FORWARD, user(), userWithRequiredEmail(), userWithOptionalEmail()))
        .isEmpty();
    assertThat(check(CompatibilityLevel.FORWARD_TRANSITIVE, user(), userWithRequiredEmail(),
        userWithOptionalEmail())).contains("{oldSchemaVersion: 1}");
  }

  @Test
  void noneAndFirstVersionsAcceptAnything() {
    assertThat(check(CompatibilityLevel.NONE, TestSchemas.order(), user())).isEmpty();
    assertThat(check(CompatibilityLevel.FULL_TRANSITIVE, TestSchemas.order())).isEmpty();
    assertThat(check(CompatibilityLevel.BACKWARD, TestSchemas.order(), user())).isNotEmpty();
  }

  @Test
  void levelNamesAreReadIgnoringCase() {
    assertThat(CompatibilityLevel.forName("full_transitive")).contains(CompatibilityLevel.FULL_TRANSITIVE);
    assertThat(CompatibilityLevel.forName(" Backward ")).contains(CompatibilityLevel.BACKWARD);
    assertThat(CompatibilityLevel.forName("SIDEWAYS")).isEmpty();
    assertThat(CompatibilityLevel.forName(null)).isEmpty();
  }
}
