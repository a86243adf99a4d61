package dev.lifeboat.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.schemas.registry.RegistryRecord.ConfigChange;
import dev.lifeboat.schemas.registry.RegistryRecord.SchemaProposal;
import dev.lifeboat.schemas.registry.RegistryRecord.SubjectDeletion;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RegistryRecordCodecTest {

  private static RegistryRecord roundTrip(RegistryRecord record) {
    return RegistryRecordCodec.decode(RegistryRecordCodec.key(record), RegistryRecordCodec.value(record)).orElseThrow();
  }

  @Test
  void everyRecordTypeSurvivesTheTopic() {
    RegistryRecord proposal = new SchemaProposal("p-1", "users-value", 3, 7, TestSchemas.user().toString());
    RegistryRecord subjectLevel = new ConfigChange("users-value", CompatibilityLevel.FULL);
    RegistryRecord globalLevel = new ConfigChange(null, CompatibilityLevel.NONE);
    RegistryRecord removal = new ConfigChange("users-value", null);
    RegistryRecord deletion = new SubjectDeletion("d-1", "users-value", 3);

    assertThat(roundTrip(proposal)).isEqualTo(proposal);
    assertThat(roundTrip(subjectLevel)).isEqualTo(subjectLevel);
    assertThat(roundTrip(globalLevel)).isEqualTo(globalLevel);
    assertThat(roundTrip(removal)).isEqualTo(removal);
    assertThat(roundTrip(deletion)).isEqualTo(deletion);
  }

  @Test
  void keysLookAsDocumented() {
    assertThat(new String(RegistryRecordCodec.key(new SchemaProposal("p-1", "s", 1, 1, "\"string\"")), StandardCharsets.UTF_8))
        .isEqualTo("{\"keytype\":\"SCHEMA\",\"proposal\":\"p-1\"}");
    assertThat(new String(RegistryRecordCodec.key(new ConfigChange(null, CompatibilityLevel.FULL)), StandardCharsets.UTF_8))
        .isEqualTo("{\"keytype\":\"CONFIG\",\"subject\":null}");
    assertThat(RegistryRecordCodec.value(new ConfigChange("s", null))).isNull();
  }

  @Test
  void configChangesOfOneSubjectShareAKeySoCompactionKeepsTheLatest() {
    assertThat(RegistryRecordCodec.key(new ConfigChange("s", CompatibilityLevel.FULL)))
        .isEqualTo(RegistryRecordCodec.key(new ConfigChange("s", null)));
  }

  @Test
  void unknownKeyTypesAreSkippedAndGarbageIsReported() {
    byte[] noop = "{\"keytype\":\"NOOP\",\"magic\":0}".getBytes(StandardCharsets.UTF_8);
    assertThat(RegistryRecordCodec.decode(noop, null)).isEmpty();
    assertThatThrownBy(() -> RegistryRecordCodec.decode("not json".getBytes(StandardCharsets.UTF_8), null))
        .isInstanceOf(IllegalArgumentException.class);
    byte[] schemaKey = "{\"keytype\":\"SCHEMA\",\"proposal\":\"p\"}".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> RegistryRecordCodec.decode(schemaKey, "{\"subject\":\"s\"}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
