package dev.lifeboat.schemas.registry;

import static dev.lifeboat.schemas.registry.SchemaEvolution.T;
import static dev.lifeboat.schemas.registry.SchemaEvolution.encode;
import static dev.lifeboat.schemas.registry.SchemaEvolution.problems;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.events.v1.ChangeLogSegmentArchived;
import dev.lifeboat.schemas.topics.TopicCatalog;
import dev.lifeboat.schemas.topics.Topics;
import java.io.IOException;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.junit.jupiter.api.Test;

/**
 * {@code ChangeLogSegmentArchived} gained {@code replaces} (the keys a merged segment was made from):
 * registries that hold the earlier version accept it under BACKWARD, and segments announced before it
 * are read as replacing nothing, so no reader deletes anything because of an old record.
 */
class SegmentReplacesEvolutionTest {
  private static final Schema CURRENT = ChangeLogSegmentArchived.getClassSchema();
  private static final Schema PREVIOUS = withoutReplaces(CURRENT);
  private static final String KEY = "changelog/prod/00003/00000000000000000100-00000000000000000199";

  @Test
  void addingReplacesIsBackwardCompatible() {
    assertThat(PREVIOUS.getField("replaces")).isNull();
    assertThat(problems(CompatibilityLevel.BACKWARD, CURRENT, PREVIOUS)).isEmpty();
    Schema union = TopicCatalog.standard().valueSchema(Topics.SNAPSHOTS).orElseThrow();
    assertThat(union.getTypes()).as("the snapshots topic carries the current version")
        .anyMatch(branch -> branch.getName().equals(CURRENT.getName()) && branch.getField("replaces") != null);
  }

  @Test
  void aSegmentAnnouncedBeforeReplacesIsReadAsReplacingNothing() throws IOException {
    GenericData.Record old = new GenericData.Record(PREVIOUS);
    ChangeLogSegmentArchived template = archived(List.of());
    for (Schema.Field f : PREVIOUS.getFields()) {
      old.put(f.name(), template.get(f.name()));
    }

    ChangeLogSegmentArchived read = (ChangeLogSegmentArchived) SchemaEvolution.read(PREVIOUS, CURRENT, encode(PREVIOUS, old));

    assertThat(read.getReplaces()).isEmpty();
    assertThat(read.getSegmentKey()).isEqualTo(KEY);
  }

  @Test
  void aMergedSegmentRoundTripsWithWhatItReplaces() throws IOException {
    ChangeLogSegmentArchived merged = archived(List.of(
        "changelog/prod/00003/00000000000000000100-00000000000000000149",
        "changelog/prod/00003/00000000000000000150-00000000000000000199"));
    assertThat(SchemaEvolution.read(CURRENT, CURRENT, encode(CURRENT, merged))).isEqualTo(merged);
  }

  private static ChangeLogSegmentArchived archived(List<String> replaces) {
    return ChangeLogSegmentArchived.newBuilder().setHeader(SchemaEvolution.header("test")).setCluster("prod")
        .setPartition(3).setFirstOffset(100).setLastOffset(199).setFirstChangeTime(T)
        .setLastChangeTime(T.plusSeconds(4)).setRecordCount(100).setSegmentKey(KEY).setSegmentSha256("ab")
        .setSize(1234).setRepository("primary").setReplaces(replaces).build();
  }

  private static Schema withoutReplaces(Schema schema) {
    List<Schema.Field> fields = schema.getFields().stream().filter(f -> !f.name().equals("replaces"))
        .map(f -> new Schema.Field(f, f.schema())).toList();
    return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
  }
}
