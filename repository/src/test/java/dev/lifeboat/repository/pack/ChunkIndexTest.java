package dev.lifeboat.repository.pack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ChunkIndexTest {
  private static final String A = "a".repeat(64);
  private static final String B = "b".repeat(64);
  private static final String PACK_1 = "1".repeat(64);
  private static final String PACK_2 = "2".repeat(64);

  @Test
  void theIndexKeepsEveryCopyOfAChunkAndVisitsEachWithItsChunksNumber() {
    ChunkIndex index = new ChunkIndex();
    index.addPack(PACK_1, List.of(new PackEntry(A, 0, 10, 5), new PackEntry(B, 10, 10, 5)), false);
    index.addPack(PACK_2, List.of(new PackEntry(A, 0, 12, 5)), false);
    index.addPack(PACK_2, List.of(new PackEntry(A, 0, 12, 5)), false); // read twice, kept once

    assertThat(index.size()).isEqualTo(2);
    assertThat(index.locations()).isEqualTo(3);
    assertThat(index.packsOf(A)).containsExactly(PACK_1, PACK_2);
    assertThat(index.get(A).pack()).as("read from the first copy").isEqualTo(PACK_1);
    int[] visitsOfA = {0};
    index.forEach((number, pack, entry) -> {
      if (entry.id().equals(A)) {
        visitsOfA[0]++;
        assertThat(number).isEqualTo(index.numberOf(A));
      }
    });
    assertThat(visitsOfA[0]).isEqualTo(2);

    index.addPack(PACK_2, List.of(new PackEntry(A, 0, 12, 5)), true);
    assertThat(index.get(A).pack()).as("a writer that stored a copy reads that one").isEqualTo(PACK_2);
    assertThat(index.packsOf(A)).containsExactly(PACK_2, PACK_1);
  }

  @Test
  void chunksBeyondOnePageAreAllFoundWhereTheyWereIndexed() {
    ChunkIndex index = new ChunkIndex();
    int chunks = ChunkIndex.PAGE * 2 + 17;
    List<PackEntry> entries = new ArrayList<>();
    for (int i = 0; i < chunks; i++) {
      entries.add(new PackEntry(id(i), i, 100 + i, 200 + i));
      if (entries.size() == 1000) {
        index.addPack(pack(i / 1000), entries, false);
        entries.clear();
      }
    }
    index.addPack(pack(chunks / 1000), entries, false);

    assertThat(index.size()).isEqualTo(chunks);
    for (int i = 0; i < chunks; i += 997) {
      ChunkIndex.Location at = index.get(id(i));
      assertThat(at).isEqualTo(new ChunkIndex.Location(pack(i / 1000), i, 100 + i, 200 + i));
    }
    assertThat(index.get(id(chunks - 1)).offset()).isEqualTo(chunks - 1);
    assertThat(index.contains(id(chunks))).isFalse();
    Set<String> visited = new HashSet<>();
    index.forEach((number, pack, entry) -> {
      assertThat(number).isEqualTo(index.numberOf(entry.id()));
      visited.add(entry.id());
    });
    assertThat(visited).hasSize(chunks);
  }

  @Test
  void aRebuildReplacesTheContentsWithWhatTheLoaderAdds() {
    ChunkIndex index = new ChunkIndex();
    index.addPack(PACK_1, List.of(new PackEntry(A, 0, 10, 5), new PackEntry(B, 10, 10, 5)), false);
    index.addPack(PACK_2, List.of(new PackEntry(A, 0, 12, 5)), false);

    index.rebuild(fresh -> {
      assertThat(fresh.size()).as("emptied before the loader runs").isZero();
      fresh.addPack(PACK_2, List.of(new PackEntry(B, 0, 12, 5)), false);
    });

    assertThat(index.contains(A)).isFalse();
    assertThat(index.hasPack(PACK_1)).isFalse();
    assertThat(index.locations()).isEqualTo(1);
    assertThat(index.get(B)).isEqualTo(new ChunkIndex.Location(PACK_2, 0, 12, 5));
  }

  @Test
  void lookupsInOtherThreadsWaitForARebuildAndSeeItsResult() throws Exception {
    ChunkIndex index = new ChunkIndex();
    index.addPack(PACK_1, List.of(new PackEntry(A, 0, 10, 5)), false);
    CountDownLatch rebuilding = new CountDownLatch(1);
    CompletableFuture<Boolean> seen = new CompletableFuture<>();
    index.rebuild(fresh -> {
      Thread reader = new Thread(() -> {
        rebuilding.countDown();
        seen.complete(index.contains(B)); // waits: the rebuild holds the index
      });
      reader.start();
      try {
        rebuilding.await();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
      assertThat(seen).as("a lookup during the rebuild has not returned").isNotDone();
      fresh.addPack(PACK_2, List.of(new PackEntry(B, 0, 12, 5)), false);
    });
    assertThat(seen.get()).as("the lookup answered from the rebuilt index, not a half-read one").isTrue();
  }

  private static String id(int i) {
    return String.format("%08x", i * 2654435761L & 0xffffffffL) + String.format("%056x", i);
  }

  private static String pack(int i) {
    return String.format("%064x", i);
  }
}
