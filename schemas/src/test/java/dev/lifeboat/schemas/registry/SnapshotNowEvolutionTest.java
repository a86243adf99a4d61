package dev.lifeboat.schemas.registry;

import static dev.lifeboat.schemas.registry.SchemaEvolution.T;
import static dev.lifeboat.schemas.registry.SchemaEvolution.encode;
import static dev.lifeboat.schemas.registry.SchemaEvolution.problems;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.commands.v1.Command;
import dev.lifeboat.commands.v1.SnapshotNow;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.schemas.topics.TopicCatalog;
import dev.lifeboat.schemas.topics.Topics;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.junit.jupiter.api.Test;

/**
 * {@code SnapshotNow} gained {@code application} (default false) and {@code hooks} (default true): a
 * registry holding the earlier Command accepts it under BACKWARD, and a SnapshotNow an older client
 * wrote is read as the plain snapshot it asked for, never as an application recovery point.
 */
class SnapshotNowEvolutionTest {
  private static final Schema CURRENT = TopicCatalog.standard().valueSchema(Topics.COMMANDS).orElseThrow();
  private static final Schema PREVIOUS = withoutApplicationFields(CURRENT);

  @Test
  void addingTheApplicationFieldsIsBackwardCompatible() {
    assertThat(snapshotNow(CURRENT).getField("application")).isNotNull();
    assertThat(snapshotNow(PREVIOUS).getField("application")).isNull();
    assertThat(problems(CompatibilityLevel.BACKWARD, CURRENT, PREVIOUS)).isEmpty();
  }

  @Test
  void aSnapshotNowWrittenBeforeTheFieldsIsAPlainSnapshotWithHooks() throws IOException {
    Schema oldAction = snapshotNow(PREVIOUS);
    GenericData.Record action = new GenericData.Record(oldAction);
    action.put("kind", new GenericData.EnumSymbol(oldAction.getField("kind").schema(), "RESOURCES"));
    action.put("target", "shop");
    GenericData.Record old = new GenericData.Record(PREVIOUS);
    Command template = command(SnapshotNow.newBuilder().setKind(SnapshotKind.RESOURCES).setTarget("shop").build());
    for (Schema.Field f : PREVIOUS.getFields()) {
      old.put(f.name(), f.name().equals("action") ? action : template.get(f.name()));
    }

    Command read = (Command) SchemaEvolution.read(PREVIOUS, CURRENT, encode(PREVIOUS, old));

    SnapshotNow now = (SnapshotNow) read.getAction();
    assertThat(now.getTarget()).isEqualTo("shop");
    assertThat(now.getApplication()).isFalse();
    assertThat(now.getHooks()).isTrue();
  }

  @Test
  void anApplicationRecoveryPointRoundTrips() throws IOException {
    Command command = command(SnapshotNow.newBuilder().setKind(SnapshotKind.RESOURCES).setTarget("shop")
        .setApplication(true).setHooks(false).build());
    assertThat(SchemaEvolution.read(CURRENT, CURRENT, encode(CURRENT, command))).isEqualTo(command);
  }

  private static Command command(Object action) {
    return Command.newBuilder().setHeader(SchemaEvolution.header("cli")).setCommandId("c1").setRequestedBy("ops")
        .setRequestedAt(T).setAction(action).build();
  }

  private static Schema snapshotNow(Schema command) {
    return command.getField("action").schema().getTypes().stream().filter(t -> t.getName().equals("SnapshotNow"))
        .findFirst().orElseThrow();
  }

  /** The Command as it was: SnapshotNow with kind and target alone. */
  private static Schema withoutApplicationFields(Schema command) {
    List<Schema> branches = new ArrayList<>();
    for (Schema branch : command.getField("action").schema().getTypes()) {
      if (branch.getName().equals("SnapshotNow")) {
        List<Schema.Field> fields = branch.getFields().stream()
            .filter(f -> !f.name().equals("application") && !f.name().equals("hooks"))
            .map(f -> new Schema.Field(f, f.schema())).toList();
        branches.add(Schema.createRecord(branch.getName(), branch.getDoc(), branch.getNamespace(), false, fields));
      } else {
        branches.add(branch);
      }
    }
    List<Schema.Field> fields = command.getFields().stream().map(f -> f.name().equals("action")
        ? new Schema.Field(f.name(), Schema.createUnion(branches), f.doc()) : new Schema.Field(f, f.schema())).toList();
    return Schema.createRecord(command.getName(), command.getDoc(), command.getNamespace(), false, fields);
  }
}
