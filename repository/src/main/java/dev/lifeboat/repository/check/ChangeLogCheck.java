package dev.lifeboat.repository.check;

import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.changelog.SegmentFormat;
import dev.lifeboat.repository.changelog.SegmentRef;
import dev.lifeboat.repository.changelog.SegmentStore;
import dev.lifeboat.repository.chunk.ChunkCodec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The change log of every cluster in the repository: consecutive segments of a partition leave no
 * offset uncovered (overlaps are allowed: a range stored again after a crash overlaps, and readers
 * de-duplicate by offset), and the sampled segments open, parse and hold what their keys say.
 */
final class ChangeLogCheck {
  private final BlobStore store;
  private final SegmentStore segments;
  private final double readData;
  private final CheckProgress progress;
  private final CheckReport report;

  ChangeLogCheck(BlobStore store, ChunkCodec codec, double readData, CheckProgress progress, CheckReport report) {
    this.store = store;
    this.segments = new SegmentStore(store, codec, store.describe());
    this.readData = readData;
    this.progress = progress;
    this.report = report;
  }

  void run() {
    Map<String, List<SegmentRef>> partitions = new TreeMap<>();
    store.list("changelog/", info -> SegmentStore.ref(info.key()).ifPresent(ref ->
        partitions.computeIfAbsent(ref.cluster() + "/" + ref.partition(), p -> new ArrayList<>())
            .add(new SegmentRef(ref.key(), ref.cluster(), ref.partition(), ref.firstOffset(), ref.lastOffset(), info.size()))));
    long total = partitions.values().stream().mapToLong(List::size).sum();
    long done = 0;
    for (List<SegmentRef> refs : partitions.values()) {
      refs.sort(Comparator.comparingLong(SegmentRef::firstOffset).thenComparingLong(SegmentRef::lastOffset));
      long covered = -1;
      for (SegmentRef ref : refs) {
        progress.at("change log", done++, total);
        report.segments++;
        if (covered >= 0 && ref.firstOffset() > covered + 1) {
          report.problem("change log of " + ref.cluster() + ", partition " + ref.partition(), "offsets " + (covered + 1)
              + " to " + (ref.firstOffset() - 1) + " are in no segment (a gap before " + ref.key() + ")");
        }
        covered = Math.max(covered, ref.lastOffset());
        if (Sampling.includes(ref.key(), readData)) {
          read(ref);
        }
      }
    }
    progress.at("change log", total, total);
  }

  private void read(SegmentRef ref) {
    try {
      Optional<byte[]> plain = segments.read(ref.key());
      if (plain.isEmpty()) {
        report.problem("segment " + ref.key(), "listed, then gone before it was read");
        return;
      }
      report.bytesRead += Math.max(ref.size(), 0);
      report.segmentsRead++;
      SegmentFormat.Segment segment = SegmentFormat.read(plain.get());
      SegmentFormat.Header h = segment.header();
      if (h.partition() != ref.partition() || h.firstOffset() != ref.firstOffset() || h.lastOffset() != ref.lastOffset()
          || !h.cluster().equals(ref.cluster())) {
        report.problem("segment " + ref.key(), "holds cluster " + h.cluster() + ", partition " + h.partition() + ", offsets "
            + h.firstOffset() + " to " + h.lastOffset() + ", not what its key says");
      }
      long outside = segment.entries().stream()
          .filter(e -> e.offset() < ref.firstOffset() || e.offset() > ref.lastOffset()).count();
      if (outside > 0) {
        report.problem("segment " + ref.key(), outside + " of its changes have offsets outside its range");
      }
    } catch (RuntimeException e) {
      report.problem("segment " + ref.key(), "does not open or parse: " + e.getMessage());
    }
  }
}
