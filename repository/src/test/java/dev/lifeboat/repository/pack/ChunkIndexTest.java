package dev.lifeboat.repository.pack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
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
}
