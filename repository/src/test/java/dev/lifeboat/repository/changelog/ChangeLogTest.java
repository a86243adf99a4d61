package dev.lifeboat.repository.changelog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.InMemoryBlobStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.testing.ResourceChanges;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChangeLogTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private final byte[] masterKey = new byte[32];
  private final SegmentStore segments = SegmentStore.open(
      Repository.openOrCreate(new InMemoryBlobStore("primary"), masterKey, ChunkerParams.DEFAULT, new SimpleMeterRegistry()),
      masterKey);
  private final ChangeLog changeLog = new ChangeLog(segments);

  /** A segment of partition {@code p} covering first..last, with a change at each listed offset (time = T0 + offset s). */
  private void segment(int partition, long first, long last, long... offsets) {
    SegmentFormat.Builder builder = new SegmentFormat.Builder("prod", "t", partition);
    for (long offset : offsets) {
      ResourceChanges object = ResourceChanges.in("prod").namespace("ns").configMap("o" + partition + "-" + offset);
      builder.add(offset, T0.plusSeconds(offset), object.key(), object.added());
    }
    segments.write("prod", partition, first, last, builder.finish(first, last));
  }

  private static List<String> offsets(ChangeLog.Replay replay) {
    List<String> seen = new ArrayList<>();
    replay.forEachRemaining(e -> seen.add(e.partition() + "@" + e.offset()));
    return seen;
  }

  @Test
  void overlappingSegmentsFromACrashBeforeCommitYieldEveryOffsetOnce() {
    segment(0, 0, 4, 0, 1, 2, 3, 4);
    segment(0, 5, 8, 5, 6, 8);
    segment(0, 5, 11, 5, 6, 8, 9, 10, 11); // the same range stored again, longer, after a restart
    segment(0, 12, 12, 12);

    ChangeLog.Replay replay = changeLog.replay("prod", Map.of(0, 0L), T0.plusSeconds(100));

    assertThat(offsets(replay)).containsExactly("0@0", "0@1", "0@2", "0@3", "0@4", "0@5", "0@6", "0@8", "0@9", "0@10",
        "0@11", "0@12");
    assertThat(replay.gaps()).isEmpty();
    assertThat(replay.nextOffsets()).containsEntry(0, 13L);
  }

  @Test
  void changesAfterUntilAreNotYieldedAndLaterSegmentsAreNotRead() {
    segment(0, 0, 4, 0, 1, 2, 3, 4);
    segment(0, 5, 9, 5, 6, 7, 8, 9);
    segment(0, 10, 14, 10, 11);
    segment(0, 15, 19, 15);

    ChangeLog.Replay replay = changeLog.replay("prod", Map.of(0, 2L), T0.plusSeconds(6));

    assertThat(offsets(replay)).containsExactly("0@2", "0@3", "0@4", "0@5", "0@6");
    assertThat(replay.segmentsRead()).isEqualTo(3);
  }

  @Test
  void missingRangesAreReportedAsGaps() {
    segment(1, 10, 19, 10, 15);
    segment(1, 30, 39, 31);

    ChangeLog.Replay replay = changeLog.replay("prod", Map.of(1, 4L, 2, 0L), T0.plusSeconds(100));

    assertThat(offsets(replay)).containsExactly("1@10", "1@15", "1@31");
    assertThat(replay.gaps()).containsExactly(new ChangeLog.Gap(1, 4, 9), new ChangeLog.Gap(1, 20, 29));
  }

  @Test
  void partitionsAreMergedByRecordTimeAndTheInstantRangeIsHalfOpen() {
    segment(0, 0, 9, 1, 5, 9);
    segment(1, 0, 9, 2, 3, 7);

    List<String> seen = offsets(changeLog.replay("prod", T0.plusSeconds(2), T0.plusSeconds(7)));

    assertThat(seen).containsExactly("1@3", "0@5", "1@7");
  }
}
