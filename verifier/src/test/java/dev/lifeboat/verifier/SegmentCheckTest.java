package dev.lifeboat.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.events.v1.ChangeLogSegmentReplicated;
import dev.lifeboat.events.v1.Header;
import dev.lifeboat.repository.changelog.SegmentFormat;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A segment read back from its copy is judged against what its {@code ChangeLogSegmentReplicated}
 * says it holds (cluster, partition, offsets), not against what its key spells: a key that names the
 * right range does not make a record that claims another one pass.
 */
class SegmentCheckTest {
  private static final String KEY = "changelog/prod/00003/00000000000000000100-00000000000000000199";
  private static final SegmentFormat.Segment READ_BACK = new SegmentFormat.Segment(
      new SegmentFormat.Header("prod", "lifeboat.resource-changes", 3, 100, 199), List.of());

  @Test
  void aSegmentThatHoldsWhatItsRecordSaysPasses() {
    assertThat(SegmentCheck.mismatch(copy("prod", 3, 100, 199), READ_BACK)).isNull();
  }

  @Test
  void aSegmentThatHoldsOtherOffsetsThanItsRecordSaysFailsWhateverItsKeySpells() {
    assertThat(SegmentCheck.mismatch(copy("prod", 3, 100, 200), READ_BACK))
        .isEqualTo("segment " + KEY + " holds cluster prod partition 3 offsets 100-199, not cluster prod partition 3"
            + " offsets 100-200");
    assertThat(SegmentCheck.mismatch(copy("prod", 4, 100, 199), READ_BACK)).contains("partition 3", "partition 4");
    assertThat(SegmentCheck.mismatch(copy("staging", 3, 100, 199), READ_BACK)).contains("cluster prod", "cluster staging");
  }

  private static ChangeLogSegmentReplicated copy(String cluster, int partition, long first, long last) {
    Instant t = Instant.parse("2026-01-01T12:00:00Z");
    return ChangeLogSegmentReplicated.newBuilder()
        .setHeader(Header.newBuilder().setEventId("e").setTime(t).setCluster(cluster).setSource("replicator").build())
        .setCluster(cluster).setPartition(partition).setFirstOffset(first).setLastOffset(last).setLastChangeTime(t)
        .setRecordCount(last - first + 1).setSegmentKey(KEY).setSegmentSha256("ab").setStore("dr").setBytesCopied(1)
        .setObjectsCopied(1).setObjectsSkipped(0).setArchivedAt(t).setLagMillis(1).setDurationMillis(1).build();
  }
}
