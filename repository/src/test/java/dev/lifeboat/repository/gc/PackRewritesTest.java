package dev.lifeboat.repository.gc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.repository.pack.ChunkIndex;
import dev.lifeboat.repository.pack.DeletionPlan;
import dev.lifeboat.repository.pack.PackEntry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PackRewritesTest {
  private static final String PACK_1 = "1".repeat(64);
  private static final String PACK_2 = "2".repeat(64);
  private static final String PACK_3 = "3".repeat(64);

  @Test
  void everyChunkThatStaysInAFreedPackIsHandedOverOnceInBatchesOfBoundedSize() {
    ChunkIndex index = new ChunkIndex();
    index.addPack(PACK_1, List.of(entry('a', 0), entry('b', 1), entry('c', 2)), false);
    index.addPack(PACK_2, List.of(entry('d', 0), entry('e', 1), entry('f', 2)), false);
    index.addPack(PACK_3, List.of(entry('7', 0)), false); // not freed: never handed over
    BitSet live = new BitSet();
    live.set(index.numberOf(id('a')));
    live.set(index.numberOf(id('d')));
    live.set(index.numberOf(id('e')));
    // b and f are due; c is unreferenced but no due plan names it, so it stays
    DeletionPlan due = DeletionPlan.create(Instant.parse("2026-03-01T00:00:00Z"),
        Map.of(PACK_1, Set.of(id('b')), PACK_2, Set.of(id('f'))));

    PackRewrites rewrites = new PackRewrites(index, live, List.of(due), Set.of(PACK_1, PACK_2), 2);

    Map<String, List<String>> handed = new HashMap<>();
    List<Integer> batchSizes = new ArrayList<>();
    for (Map<String, List<PackEntry>> batch : rewrites) {
      batchSizes.add(batch.values().stream().mapToInt(List::size).sum());
      batch.forEach((pack, entries) -> entries.forEach(e -> handed.computeIfAbsent(pack, p -> new ArrayList<>()).add(e.id())));
    }
    assertThat(rewrites.batches()).isEqualTo(2);
    assertThat(batchSizes).allSatisfy(size -> assertThat(size).isLessThanOrEqualTo(2));
    assertThat(handed.get(PACK_1)).containsExactlyInAnyOrder(id('a'), id('c'));
    assertThat(handed.get(PACK_2)).containsExactlyInAnyOrder(id('d'), id('e'));
    assertThat(handed).doesNotContainKey(PACK_3);
  }

  private static String id(char c) {
    return String.valueOf(c).repeat(64);
  }

  private static PackEntry entry(char c, int n) {
    return new PackEntry(id(c), n * 10, 10, 5);
  }
}
