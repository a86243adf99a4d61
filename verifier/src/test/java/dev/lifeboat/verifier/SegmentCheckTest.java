package dev.lifeboat.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.events.v1.ChangeLogSegmentReplicated;
import dev.lifeboat.events.v1.Header;
import dev.lifeboat.observe.Health;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.InMemoryBlobStore;
import dev.lifeboat.repository.changelog.SegmentFormat;
import dev.lifeboat.repository.changelog.SegmentStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.restore.RestoreSource;
import dev.lifeboat.runtime.Outputs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
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

  @Test
  void aCopyMergedAwayIntoASegmentCoveringItPassesOverButOneMissingOutrightFails() {
    byte[] masterKey = new byte[32];
    Repository repository = Repository.openOrCreate(new InMemoryBlobStore("dr"), masterKey, ChunkerParams.DEFAULT,
        new SimpleMeterRegistry());
    SegmentStore segments = SegmentStore.open(repository, masterKey);
    segments.write("prod", 3, 0, 299, new SegmentFormat.Builder("prod", "lifeboat.resource-changes", 3).finish(0, 299));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    VerifierMetrics metrics = new VerifierMetrics(meters, new Health(Clock.systemUTC()), Clock.systemUTC(),
        new ProofHistory("prod"));
    SegmentCheck check = new SegmentCheck(metrics,
        new AuditPublisher(null, null, new EventFactory("prod", "verifier", Clock.systemUTC())));
    List<Object> sent = new ArrayList<>();
    Outputs outputs = (topic, key, value) -> sent.add(value);
    RestoreSource source = RestoreSource.of(repository, segments, null);

    check.check(copy("prod", 3, 100, 199), source, outputs); // KEY: merged into 0..299 in this copy
    assertThat(sent).as("no failure for a segment merged away").isEmpty();
    assertThat(meters.get("lifeboat.verifier.segments").tag("outcome", "failed").counter().count()).isZero();

    check.check(copy("changelog/prod/00003/00000000000000000300-00000000000000000399", "prod", 3, 300, 399), source,
        outputs);
    assertThat(sent).as("a segment no copy covers is a failure").hasSize(1);
    assertThat(meters.get("lifeboat.verifier.segments").tag("outcome", "failed").counter().count()).isEqualTo(1);
  }

  private static ChangeLogSegmentReplicated copy(String cluster, int partition, long first, long last) {
    return copy(KEY, cluster, partition, first, last);
  }

  private static ChangeLogSegmentReplicated copy(String key, String cluster, int partition, long first, long last) {
    Instant t = Instant.parse("2026-01-01T12:00:00Z");
    return ChangeLogSegmentReplicated.newBuilder()
        .setHeader(Header.newBuilder().setEventId("e").setTime(t).setCluster(cluster).setSource("replicator").build())
        .setCluster(cluster).setPartition(partition).setFirstOffset(first).setLastOffset(last).setLastChangeTime(t)
        .setRecordCount(last - first + 1).setSegmentKey(key).setSegmentSha256("ab").setStore("dr").setBytesCopied(1)
        .setObjectsCopied(1).setObjectsSkipped(0).setArchivedAt(t).setLagMillis(1).setDurationMillis(1).build();
  }
}
