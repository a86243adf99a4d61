package dev.lifeboat.repository.changelog;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Merges consecutive small change-log segments of one partition into one larger segment, so a log
 * sealed every second does not leave an object per partition per second in the store. The merged
 * segment is an ordinary segment ({@link SegmentStore#key}: its range covers the segments it
 * replaces), so readers, copies and checks need nothing new: while both exist they overlap, and
 * {@link ChangeLog} yields each offset once.
 *
 * <p>Never loses a change: a merge reads every segment it replaces, writes the merged one, reads it
 * back and checks that it holds exactly the offsets they held, and only then may the replaced ones be
 * deleted ({@link #deleteReplaced}); a merge never spans a gap (a gap stays visible to readers and
 * checks). A reader that listed a replaced segment before it was deleted lists the partition again
 * ({@link ChangeLog}) and finds the merged one.
 *
 * <p>Which segments merge ({@link #plan}): runs of consecutive, contiguous, settled segments whose
 * stored sizes add up to at most {@code targetBytes}, and only where the first is no larger than the
 * rest of the run together, so a merged segment is rewritten only when as much is added to it again:
 * each change is rewritten about log2(targetBytes / segment size) times at most, and a partition keeps
 * a handful of segments below the target besides the full ones.
 */
public final class SegmentMerger {
  private final SegmentStore segments;

  public SegmentMerger(SegmentStore segments) {
    this.segments = segments;
  }

  /**
   * A merge done: the merged segment (stored and read back), the segments it replaces (never itself),
   * and what it holds.
   */
  public record Merged(SegmentStore.Written written, SegmentRef range, List<SegmentRef> replaced, long recordCount,
      Instant firstChangeTime, Instant lastChangeTime) {
    public Merged {
      replaced = List.copyOf(replaced);
    }
  }

  /**
   * The runs worth merging among one partition's segments ({@code refs} in {@link SegmentStore#list}
   * order, with their stored sizes): each two or more consecutive segments, each starting at most
   * one past the previous one's end, each {@code settled}, together at most {@code targetBytes}, the
   * first no larger than the others together.
   */
  public static List<List<SegmentRef>> plan(List<SegmentRef> refs, long targetBytes, Predicate<SegmentRef> settled) {
    List<List<SegmentRef>> runs = new ArrayList<>();
    int i = 0;
    while (i < refs.size()) {
      SegmentRef first = refs.get(i);
      if (!settled.test(first) || first.size() >= targetBytes) {
        i++;
        continue;
      }
      long total = first.size();
      long covered = first.lastOffset();
      int j = i + 1;
      while (j < refs.size()) {
        SegmentRef next = refs.get(j);
        if (next.firstOffset() > covered + 1 || !settled.test(next) || total + next.size() > targetBytes) {
          break;
        }
        total += next.size();
        covered = Math.max(covered, next.lastOffset());
        j++;
      }
      if (j - i >= 2 && first.size() <= total - first.size()) {
        runs.add(List.copyOf(refs.subList(i, j)));
        i = j;
      } else {
        i++;
      }
    }
    return runs;
  }

  /**
   * Reads {@code run} (consecutive, contiguous segments of one partition, as {@link #plan} gives
   * them), writes the segment covering them, and reads it back.
   *
   * @throws IllegalStateException a segment of the run is gone or does not hold what its key says,
   *     or the merged segment read back is not their union: nothing may be deleted
   */
  public Merged merge(List<SegmentRef> run) {
    if (run.size() < 2) {
      throw new IllegalArgumentException("a merge needs at least two segments, got " + run);
    }
    SegmentRef head = run.get(0);
    String cluster = head.cluster();
    int partition = head.partition();
    long first = head.firstOffset();
    long last = head.lastOffset();
    SegmentFormat.Builder builder = null;
    long next = first; // the next offset not yet taken from the run
    List<Long> offsets = new ArrayList<>();
    for (SegmentRef ref : run) {
      if (!ref.cluster().equals(cluster) || ref.partition() != partition) {
        throw new IllegalArgumentException("a merge run must be of one partition: " + run);
      }
      if (ref.firstOffset() > next) {
        throw new IllegalArgumentException("offsets " + next + " to " + (ref.firstOffset() - 1)
            + " are in no segment of the run; a merge never spans a gap: " + run);
      }
      byte[] plaintext = segments.read(ref.key()).orElseThrow(() -> new IllegalStateException(
          "segment " + ref.key() + " was listed but is gone from " + segments.describe() + "; not merged"));
      SegmentFormat.Segment segment = SegmentFormat.read(plaintext);
      SegmentFormat.Header h = segment.header();
      if (h.partition() != partition || h.firstOffset() != ref.firstOffset() || h.lastOffset() != ref.lastOffset()) {
        throw new IllegalStateException("segment " + ref.key() + " holds partition " + h.partition() + " offsets "
            + h.firstOffset() + " to " + h.lastOffset() + ", not what its key says; not merged");
      }
      if (builder == null) {
        builder = new SegmentFormat.Builder(cluster, h.topic(), partition);
      }
      for (ChangeLogEntry entry : segment.entries()) {
        if (entry.offset() >= next) { // an overlap (a range stored twice) is taken once
          builder.add(entry.offset(), entry.timestamp(), entry.key(), entry.change());
          offsets.add(entry.offset());
          next = entry.offset() + 1;
        }
      }
      next = Math.max(next, ref.lastOffset() + 1);
      last = Math.max(last, ref.lastOffset());
    }
    Objects.requireNonNull(builder);
    SegmentStore.Written written = segments.write(cluster, partition, first, last, builder.finish(first, last));
    long[] readBack = SegmentFormat.read(segments.read(written.key()).orElseThrow(() -> new IllegalStateException(
        "merged segment " + written.key() + " cannot be read back from " + segments.describe())))
        .entries().stream().mapToLong(ChangeLogEntry::offset).toArray();
    long[] expected = offsets.stream().mapToLong(Long::longValue).toArray();
    if (!Arrays.equals(readBack, expected)) {
      throw new IllegalStateException("merged segment " + written.key() + " read back holds " + readBack.length
          + " changes, not the " + expected.length + " of the segments it replaces; they are kept");
    }
    SegmentRef range = new SegmentRef(written.key(), cluster, partition, first, last, written.size());
    List<SegmentRef> replaced = run.stream().filter(r -> !r.key().equals(written.key())).toList();
    return new Merged(written, range, replaced, builder.count(), builder.firstTime(), builder.lastTime());
  }

  /** Deletes the segments a merge replaced; call only once the merged segment is stored and read back. */
  public void deleteReplaced(Merged merged) {
    for (SegmentRef ref : merged.replaced()) {
      segments.delete(ref.key());
    }
  }
}
