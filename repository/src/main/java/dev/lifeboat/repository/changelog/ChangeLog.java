package dev.lifeboat.repository.changelog;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * Reads the archived change log of a cluster back: the changes of every partition in offset order,
 * the partitions merged by record time, one decoded segment per partition in memory at a time.
 *
 * <p>Segments may overlap (an archiver that crashed after storing a segment but before committing
 * its offsets stores the range again, possibly longer; a merged segment covers the ones it replaces
 * until they are deleted): every offset is yielded once, from the first segment that holds it. A
 * segment listed but deleted before it is read (merged away meanwhile) makes the reader list its
 * partition again and read on from the merged segment. Offsets no segment covers are reported as {@link Gap}s, so a reconstruction
 * can say it is incomplete instead of silently missing changes.
 *
 * <p>Within a partition, record times are expected not to go backwards by more than a segment: the
 * reader stops reading a partition at the first segment whose every change is after {@code until}.
 */
public final class ChangeLog {
  /** How many times one partition is listed again, after segments listed before were merged away, before failing. */
  static final int MAX_RELISTS = 100;
  private final SegmentStore segments;

  public ChangeLog(SegmentStore segments) {
    this.segments = segments;
  }

  /** A range of offsets of one partition that no segment covers. */
  public record Gap(int partition, long fromOffset, long toOffset) {}

  /** Changes with {@code from < time <= until}, every partition read from its first segment. */
  public Replay replay(String cluster, Instant from, Instant until) {
    return new Replay(cluster, segments.listAll(cluster), Map.of(), from, until);
  }

  /**
   * Changes at or after {@code startOffsets} (per partition; a partition absent from the map starts at
   * its first segment) with {@code time <= until}. A partition whose first segment starts after its
   * start offset has a gap there.
   */
  public Replay replay(String cluster, Map<Integer, Long> startOffsets, Instant until) {
    TreeMap<Integer, List<SegmentRef>> all = segments.listAll(cluster);
    startOffsets.keySet().forEach(p -> all.putIfAbsent(p, List.of()));
    return new Replay(cluster, all, startOffsets, null, until);
  }

  /** The changes, lazily; {@link #gaps()} and {@link #nextOffsets()} are complete once it is exhausted. */
  public final class Replay implements Iterator<ChangeLogEntry> {
    private final PriorityQueue<Cursor> heads = new PriorityQueue<>(Comparator
        .comparing((Cursor c) -> c.peek().timestamp())
        .thenComparingInt(c -> c.partition)
        .thenComparingLong(c -> c.peek().offset()));
    private final List<Cursor> cursors = new ArrayList<>();
    private final List<Gap> gaps = new ArrayList<>();
    private final String cluster;
    private final Instant from;
    private final Instant until;
    private long segmentsRead;

    private Replay(String cluster, TreeMap<Integer, List<SegmentRef>> refs, Map<Integer, Long> start, Instant from,
        Instant until) {
      this.cluster = cluster;
      this.from = from;
      this.until = until;
      refs.forEach((partition, list) -> {
        Cursor cursor = new Cursor(partition, list, start.getOrDefault(partition, -1L));
        cursors.add(cursor);
        if (cursor.peek() != null) {
          heads.add(cursor);
        }
      });
    }

    @Override
    public boolean hasNext() {
      return !heads.isEmpty();
    }

    @Override
    public ChangeLogEntry next() {
      Cursor cursor = heads.poll();
      if (cursor == null) {
        throw new NoSuchElementException();
      }
      ChangeLogEntry entry = cursor.take();
      if (cursor.peek() != null) {
        heads.add(cursor);
      }
      return entry;
    }

    /** Offset ranges no segment covered, between the start and the last segment read. */
    public List<Gap> gaps() {
      return List.copyOf(gaps);
    }

    /**
     * Per partition, the offset after the last segment read (or the start offset, if none was): how
     * far the archive was read. Changes after {@code until} in the last segment are not yielded.
     */
    public Map<Integer, Long> nextOffsets() {
      Map<Integer, Long> next = new TreeMap<>();
      cursors.forEach(c -> next.put(c.partition, c.next));
      return next;
    }

    public long segmentsRead() {
      return segmentsRead;
    }

    /** One partition's segments, read one at a time. */
    private final class Cursor {
      private final int partition;
      private Iterator<SegmentRef> refs;
      private int relisted;
      private final Deque<ChangeLogEntry> buffered = new ArrayDeque<>();
      private long next;
      private boolean stopped;

      Cursor(int partition, List<SegmentRef> refs, long start) {
        this.partition = partition;
        this.refs = refs.iterator();
        this.next = start;
      }

      ChangeLogEntry peek() {
        while (buffered.isEmpty() && !stopped && refs.hasNext()) {
          load(refs.next());
        }
        return buffered.peekFirst();
      }

      ChangeLogEntry take() {
        return buffered.removeFirst();
      }

      private void load(SegmentRef ref) {
        if (next >= 0 && ref.lastOffset() < next) {
          return; // everything in it was read from an earlier segment (or is before the start)
        }
        if (next >= 0 && ref.firstOffset() > next) {
          gaps.add(new Gap(partition, next, ref.firstOffset() - 1));
        }
        Optional<byte[]> read = segments.read(ref.key());
        if (read.isEmpty()) {
          relist(ref);
          return;
        }
        byte[] plaintext = read.get();
        segmentsRead++;
        SegmentFormat.Segment segment = SegmentFormat.read(plaintext);
        boolean anyAtOrBeforeUntil = segment.entries().isEmpty();
        for (ChangeLogEntry entry : segment.entries()) {
          if (!until.isBefore(entry.timestamp())) {
            anyAtOrBeforeUntil = true;
          }
          if (entry.offset() < next || until.isBefore(entry.timestamp())) {
            continue;
          }
          if (from != null && !entry.timestamp().isAfter(from)) {
            continue;
          }
          if (!entry.key().startsWith(cluster + "/")) {
            continue;
          }
          buffered.addLast(entry);
        }
        next = Math.max(next, ref.lastOffset() + 1);
        if (!anyAtOrBeforeUntil) {
          stopped = true; // this segment is wholly after `until`; later ones are too
        }
      }

      /**
       * A listed segment is gone: merged into a larger one since the listing ({@link SegmentMerger}
       * deletes what it replaced only after the merged segment is stored). The partition is listed
       * again and read on from where it was; a segment gone for another reason still fails loudly.
       */
      private void relist(SegmentRef gone) {
        if (++relisted > MAX_RELISTS) {
          throw new IllegalStateException("segment " + gone.key() + " was listed but is gone from "
              + segments.describe() + " (the partition was listed again " + MAX_RELISTS + " times)");
        }
        long from = next >= 0 ? next : gone.firstOffset();
        List<SegmentRef> again = segments.list(cluster, partition).stream().filter(r -> r.lastOffset() >= from).toList();
        if (again.isEmpty() || again.get(0).firstOffset() > gone.firstOffset() && next < 0) {
          throw new IllegalStateException("segment " + gone.key() + " was listed but is gone from "
              + segments.describe() + ", and no segment covers its offsets now");
        }
        if (next < 0) {
          next = from; // reading from the first segment: what the gone one began with is still to be read
        }
        refs = again.iterator();
      }
    }
  }
}
