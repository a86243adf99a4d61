package dev.lifeboat.schemas.registry;

import static dev.lifeboat.schemas.registry.SchemaEvolution.T;
import static dev.lifeboat.schemas.registry.SchemaEvolution.encode;
import static dev.lifeboat.schemas.registry.SchemaEvolution.problems;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotVerified;
import dev.lifeboat.events.v1.VerificationCheck;
import dev.lifeboat.events.v1.VerificationOutcome;
import dev.lifeboat.schemas.topics.TopicCatalog;
import dev.lifeboat.schemas.topics.Topics;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.junit.jupiter.api.Test;

/**
 * {@code SnapshotVerified} gained an {@code outcome} (PASSED, FAILED, CHECKED_NOT_RESTORED) next to
 * {@code passed}: registries that hold the earlier version accept it under BACKWARD, verifications
 * written before it are read with a null outcome (their {@code passed} says what they were), and a
 * symbol added later is read as FAILED by this reader, never as a pass.
 */
class SnapshotVerifiedEvolutionTest {
  private static final Schema CURRENT = TopicCatalog.standard().valueSchema(Topics.VERIFICATIONS).orElseThrow();
  private static final Schema PREVIOUS = withoutOutcome(SnapshotVerified.getClassSchema());

  @Test
  void addingTheOutcomeIsBackwardCompatible() {
    assertThat(CURRENT.getField("outcome")).isNotNull();
    assertThat(PREVIOUS.getField("outcome")).isNull();
    assertThat(problems(CompatibilityLevel.BACKWARD, CURRENT, PREVIOUS)).isEmpty();
  }

  @Test
  void aVerificationWrittenBeforeTheOutcomeIsReadWithNoneAndItsPassedFlag() throws IOException {
    GenericData.Record old = new GenericData.Record(PREVIOUS);
    SnapshotVerified template = verified(VerificationOutcome.PASSED, true);
    for (Schema.Field f : PREVIOUS.getFields()) {
      old.put(f.name(), template.get(f.name()));
    }

    SnapshotVerified read = read(PREVIOUS, encode(PREVIOUS, old));

    assertThat(read.getOutcome()).isNull();
    assertThat(read.getPassed()).isTrue();
    assertThat(read.getSnapshotId()).isEqualTo("s1");
  }

  @Test
  void anOutcomeThisReaderDoesNotKnowIsReadAsFailedNeverAsAPass() throws IOException {
    Schema enumSchema = CURRENT.getField("outcome").schema().getTypes().get(1);
    List<String> symbols = new ArrayList<>(enumSchema.getEnumSymbols());
    symbols.add("PROVEN_ELSEWHERE");
    Schema futureEnum = Schema.createEnum(enumSchema.getName(), enumSchema.getDoc(), enumSchema.getNamespace(), symbols,
        enumSchema.getEnumDefault());
    List<Schema.Field> fields = new ArrayList<>();
    for (Schema.Field f : CURRENT.getFields()) {
      fields.add(f.name().equals("outcome")
          ? new Schema.Field(f.name(), Schema.createUnion(Schema.create(Schema.Type.NULL), futureEnum), f.doc(),
              Schema.Field.NULL_DEFAULT_VALUE)
          : new Schema.Field(f, f.schema()));
    }
    Schema future = Schema.createRecord(CURRENT.getName(), CURRENT.getDoc(), CURRENT.getNamespace(), false, fields);
    GenericData.Record record = new GenericData.Record(future);
    SnapshotVerified template = verified(VerificationOutcome.FAILED, false);
    for (Schema.Field f : CURRENT.getFields()) {
      record.put(f.name(), template.get(f.name()));
    }
    record.put("outcome", new GenericData.EnumSymbol(futureEnum, "PROVEN_ELSEWHERE"));

    assertThat(problems(CompatibilityLevel.BACKWARD, future, CURRENT)).isEmpty();
    assertThat(read(future, encode(future, record)).getOutcome()).isEqualTo(VerificationOutcome.FAILED);
  }

  @Test
  void theOutcomeRoundTrips() throws IOException {
    SnapshotVerified checked = verified(VerificationOutcome.CHECKED_NOT_RESTORED, false);
    assertThat(read(CURRENT, encode(CURRENT, checked))).isEqualTo(checked);
  }

  private static SnapshotVerified read(Schema writer, byte[] bytes) throws IOException {
    return (SnapshotVerified) SchemaEvolution.read(writer, CURRENT, bytes);
  }

  private static Schema withoutOutcome(Schema schema) {
    List<Schema.Field> fields = schema.getFields().stream().filter(f -> !f.name().equals("outcome"))
        .map(f -> new Schema.Field(f, f.schema())).toList();
    return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
  }

  private static SnapshotVerified verified(VerificationOutcome outcome, boolean passed) {
    return SnapshotVerified.newBuilder()
        .setHeader(SchemaEvolution.header("verifier"))
        .setSnapshotId("s1").setKind(SnapshotKind.VOLUME).setTarget("pvc-uid").setPassed(passed).setStore("offsite")
        .setScratchTarget("none").setChecks(List.of(VerificationCheck.newBuilder().setName("volume-snapshot-ready")
            .setPassed(true).setExpected("true").setActual("true").setEvidence(Map.of()).build()))
        .setSnapshotCompletedAt(T).setDurationMillis(5).setOutcome(outcome).build();
  }
}
