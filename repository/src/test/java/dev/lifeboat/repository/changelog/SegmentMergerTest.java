package dev.lifeboat.repository.changelog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.InMemoryBlobStore;
import dev.lifeboat.repository.check.CheckProgress;
import dev.lifeboat.repository.check.CheckReport;
import dev.lifeboat.repository.check.RepositoryCheck;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.testing.ResourceChanges;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** Small segments merged into one: every offset stays readable, before, during and after, and the log stays whole. */
class SegmentMergerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private final byte[] masterKey = new byte[32];
  private final InMemoryBlobStore store = new InMemoryBlobStore("primary");
  private final SegmentStore segments = SegmentStore.open(
      Repository.openOrCreate(store, masterKey, ChunkerParams.DEFAULT, new SimpleMeterRegistry()), masterKey);
  private final SegmentMerger merger = new SegmentMerger(segments);

  /** A segment of partition 0 covering first..last with a change at each offset of it. */
  private void segment(long first, long last) {
    SegmentFormat.Builder builder = new SegmentFormat.Builder("prod", "lifeboat.resource-changes", 0);
    for (long offset = first; offset <= last; offset++) {
      ResourceChanges object = ResourceChanges.in("prod").namespace("ns").configMap("o-" + offset);
      builder.add(offset, T0.plusSeconds(offset), object.key(), object.added());
    }
    segments.write("prod", 0, first, last, builder.finish(first, last));
  }

  private static SegmentRef ref(long first, long last, long size) {
    return new SegmentRef(SegmentStore.key("prod", 0, first, last), "prod", 0, first, last, size);
  }

  private List<Long> replayedOffsets() {
    ChangeLog.Replay replay = new ChangeLog(segments).replay("prod", Map.of(0, 0L), T0.plusSeconds(10_000));
    List<Long> offsets = new ArrayList<>();
    replay.forEachRemaining(e -> offsets.add(e.offset()));
    assertThat(replay.gaps()).isEmpty();
    return offsets;
  }

  private static List<Long> range(long first, long last) {
    return LongStream.rangeClosed(first, last).boxed().toList();
  }

  @Test
  void consecutiveSettledSmallSegmentsMergeUpToTheTargetAndAMergedOneOnlyWithAsMuchAgain() {
    List<SegmentRef> refs = List.of(ref(0, 9, 100), ref(10, 19, 100), ref(20, 29, 100), ref(30, 39, 100),
        ref(40, 49, 100));
    assertThat(SegmentMerger.plan(refs, 250, r -> true)).containsExactly(refs.subList(0, 2), refs.subList(2, 4));
    assertThat(SegmentMerger.plan(refs, 10_000, r -> true)).containsExactly(refs);
    assertThat(SegmentMerger.plan(refs, 10_000, r -> r.lastOffset() < 30)).as("only settled segments")
        .containsExactly(refs.subList(0, 3));

    List<SegmentRef> afterAMerge = List.of(ref(0, 99, 1000), ref(100, 109, 100), ref(110, 119, 100));
    assertThat(SegmentMerger.plan(afterAMerge, 10_000, r -> true)).as("the big one waits until as much is added again")
        .containsExactly(afterAMerge.subList(1, 3));
    List<SegmentRef> enough = List.of(ref(0, 99, 200), ref(100, 109, 100), ref(110, 119, 100));
    assertThat(SegmentMerger.plan(enough, 10_000, r -> true)).containsExactly(enough);
  }

  @Test
  void aMergeNeverSpansAGapNorTakesAFullSegment() {
    List<SegmentRef> gap = List.of(ref(0, 9, 100), ref(10, 19, 100), ref(25, 29, 100), ref(30, 39, 100));
    assertThat(SegmentMerger.plan(gap, 10_000, r -> true)).containsExactly(gap.subList(0, 2), gap.subList(2, 4));
    List<SegmentRef> full = List.of(ref(0, 9, 500), ref(10, 19, 100));
    assertThat(SegmentMerger.plan(full, 500, r -> true)).isEmpty();

    segment(0, 9);
    segment(15, 19);
    assertThatThrownBy(() -> merger.merge(List.of(ref(0, 9, 1), ref(15, 19, 1))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("never spans a gap");
  }

  @Test
  void mergedSegmentsHoldEveryOffsetOnceAndReplaceTheSmallOnesWhichAreDeletedOnlyAfter() {
    segment(0, 4);
    segment(5, 9);
    segment(5, 12); // the same range stored again, longer, after a restart: overlaps
    segment(13, 20);
    List<SegmentRef> run = segments.list("prod", 0);

    SegmentMerger.Merged merged = merger.merge(run);

    assertThat(merged.written().key()).isEqualTo(SegmentStore.key("prod", 0, 0, 20));
    assertThat(merged.recordCount()).isEqualTo(21);
    assertThat(merged.replaced()).hasSize(4);
    assertThat(segments.list("prod", 0)).as("nothing deleted by the merge itself").hasSize(5);
    assertThat(replayedOffsets()).isEqualTo(range(0, 20));

    merger.deleteReplaced(merged);

    assertThat(segments.list("prod", 0)).extracting(SegmentRef::key).containsExactly(merged.written().key());
    assertThat(replayedOffsets()).isEqualTo(range(0, 20));
    CheckReport report = new RepositoryCheck(store, masterKey, 1.0, CheckProgress.NONE).run();
    assertThat(report.problems()).isEmpty();
  }

  @Test
  void aReaderThatListedTheSmallSegmentsBeforeTheMergeReadsEveryOffsetFromTheMergedOne() {
    for (long first = 0; first < 50; first += 5) {
      segment(first, first + 4);
    }
    ChangeLog.Replay replay = new ChangeLog(segments).replay("prod", Map.of(0, 0L), T0.plusSeconds(10_000));
    List<Long> offsets = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      offsets.add(replay.next().offset()); // into the second segment
    }

    SegmentMerger.Merged merged = merger.merge(segments.list("prod", 0));
    merger.deleteReplaced(merged);
    segment(50, 54); // and the log goes on

    replay.forEachRemaining(e -> offsets.add(e.offset()));
    assertThat(offsets).as("every offset once, in order (having listed again, it may read the newer segment too)")
        .isEqualTo(range(0, offsets.size() - 1)).hasSizeGreaterThanOrEqualTo(50);
    assertThat(replay.gaps()).isEmpty();
    assertThat(replayedOffsets()).isEqualTo(range(0, 54));
  }

  @Test
  void aMergeOfASegmentThatIsGoneDeletesNothing() {
    segment(0, 4);
    segment(5, 9);
    List<SegmentRef> run = segments.list("prod", 0);
    store.delete(run.get(1).key());

    assertThatThrownBy(() -> merger.merge(run)).isInstanceOf(IllegalStateException.class).hasMessageContaining("not merged");
    assertThat(segments.list("prod", 0)).hasSize(1);
  }
}
