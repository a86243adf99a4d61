package dev.lifeboat.schemas.registry;

import static dev.lifeboat.schemas.registry.SchemaEvolution.T;
import static dev.lifeboat.schemas.registry.SchemaEvolution.assertBranchesAppended;
import static dev.lifeboat.schemas.registry.SchemaEvolution.encode;
import static dev.lifeboat.schemas.registry.SchemaEvolution.header;
import static dev.lifeboat.schemas.registry.SchemaEvolution.problems;
import static dev.lifeboat.schemas.registry.SchemaEvolution.read;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.events.v1.ChangeLogSegmentArchived;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotFailed;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.schemas.topics.TopicCatalog;
import dev.lifeboat.schemas.topics.Topics;
import java.io.IOException;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * The snapshots topic gained a third branch (ChangeLogSegmentArchived): registries that hold the
 * two-branch union accept the new one under BACKWARD, and records written with the old union are
 * read with the new one.
 */
class SnapshotsUnionEvolutionTest {
  private static final Schema PREVIOUS =
      Schema.createUnion(SnapshotCompleted.getClassSchema(), SnapshotFailed.getClassSchema());
  private static final Schema CURRENT = TopicCatalog.standard().valueSchema(Topics.SNAPSHOTS).orElseThrow();

  @Test
  void addingTheSegmentBranchIsBackwardCompatibleButNotForward() {
    assertBranchesAppended(PREVIOUS, CURRENT, "ChangeLogSegmentArchived");
    // Older readers cannot read the new branch: that is what BACKWARD (the registry's default) allows.
    assertThat(problems(CompatibilityLevel.FORWARD, CURRENT, PREVIOUS)).isNotEmpty();
  }

  @Test
  void aRecordWrittenWithTheTwoBranchUnionIsReadWithTheCurrentOne() throws IOException {
    SnapshotFailed failed = SnapshotFailed.newBuilder().setHeader(header("test")).setSnapshotId("s1").setKind(SnapshotKind.ETCD)
        .setTarget("etcd").setReason("down").setRetriable(true).setStartedAt(T).setDurationMillis(5).build();
    byte[] bytes = encode(PREVIOUS, failed);

    assertThat(read(PREVIOUS, CURRENT, bytes)).isEqualTo(failed);
  }

  @Test
  void theSegmentEventRoundTripsThroughTheCurrentUnion() throws IOException {
    ChangeLogSegmentArchived archived = ChangeLogSegmentArchived.newBuilder().setHeader(header("test")).setCluster("prod")
        .setPartition(3).setFirstOffset(100).setLastOffset(199).setFirstChangeTime(T)
        .setLastChangeTime(T.plusSeconds(4)).setRecordCount(100)
        .setSegmentKey("changelog/prod/00003/00000000000000000100-00000000000000000199").setSegmentSha256("ab")
        .setSize(1234).setRepository("primary").build();

    assertThat(read(CURRENT, CURRENT, encode(CURRENT, archived))).isEqualTo(archived);
  }
}
