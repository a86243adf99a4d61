package dev.lifeboat.repository.pack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.repository.chunk.ChunkCodec;
import dev.lifeboat.repository.chunk.RepositoryKeys;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DeletionPlanTest {
  private static final String A = "a".repeat(64);
  private static final String B = "b".repeat(64);
  private static final String PACK_1 = "1".repeat(64);
  private static final String PACK_2 = "2".repeat(64);
  private final ChunkCodec codec = new ChunkCodec(RepositoryKeys.create(new byte[32], "repo").keys(), 1);

  @Test
  void aPlanNamesCopiesInTheirPacksAndNotOtherCopiesOfTheSameChunks() {
    DeletionPlan plan = DeletionPlan.create(Instant.parse("2026-03-01T00:00:00Z"), Map.of(PACK_1, Set.of(A, B)));

    DeletionPlan read = DeletionPlan.decode(plan.key(), plan.encode(codec), codec);

    assertThat(read.created()).isEqualTo(plan.created());
    assertThat(read.chunks()).containsExactlyInAnyOrder(A, B);
    assertThat(read.names(PACK_1, A)).isTrue();
    assertThat(read.names(PACK_2, A)).as("a copy stored elsewhere after the plan").isFalse();
    assertThat(read.locatesCopies()).isTrue();
    assertThat(DeletionPlan.isKey(plan.key())).isTrue();
    assertThat(DeletionPlan.isKey(plan.key() + "-" + "0".repeat(8))).isFalse();
    assertThat(read.sweepKey()).isEqualTo(DeletionPlan.SWEEPS + plan.name());
  }

  @Test
  void aPlanOfTheFirstFormatNamesEveryCopyOfItsChunks() {
    ByteBuffer plain = ByteBuffer.allocate(12 + 32).putLong(Instant.parse("2026-03-01T00:00:00Z").toEpochMilli()).putInt(1)
        .put(HexFormat.of().parseHex(A));

    DeletionPlan read = DeletionPlan.decode("gc/plans/old", codec.seal("gc-plan", plain.array()), codec);

    assertThat(read.locatesCopies()).isFalse();
    assertThat(read.names(PACK_1, A)).isTrue();
    assertThat(read.names(PACK_2, A)).isTrue();
    assertThat(read.names(PACK_1, B)).isFalse();
  }

  @Test
  void aLargePlanNamesExactlyTheCopiesItWasGivenAndReadsBackTheSame() {
    DeletionPlan.Builder builder = new DeletionPlan.Builder();
    for (int i = 0; i < 5000; i++) {
      builder.add(pack(i % 7), id(i));
    }
    builder.add(pack(8), id(3)); // a second copy of a chunk, planned in another pack
    DeletionPlan plan = builder.build(Instant.parse("2026-03-01T00:00:00Z"));

    DeletionPlan read = DeletionPlan.decode(plan.key(), plan.encode(codec), codec);

    for (DeletionPlan p : List.of(plan, read)) {
      assertThat(p.size()).isEqualTo(5001);
      for (int i = 0; i < 5000; i += 13) {
        assertThat(p.names(pack(i % 7), id(i))).isTrue();
        assertThat(p.names(pack((i + 1) % 7), id(i))).as("another pack's copy").isFalse();
        assertThat(p.namesAnywhere(id(i))).isTrue();
      }
      assertThat(p.names(pack(8), id(3))).isTrue();
      assertThat(p.names(pack(3), id(3))).isTrue();
      assertThat(p.namesAnywhere(id(5000))).isFalse();
      assertThat(p.names(pack(0), id(5000))).isFalse();
    }
    assertThat(read.chunks()).hasSize(5000);
  }

  @Test
  void copiesBeyondOnePlansSizeGoIntoSeveralPlansThatTogetherNameEachOnce() {
    DeletionPlan.Builder builder = new DeletionPlan.Builder();
    for (int i = 0; i < 7; i++) {
      builder.add(pack(i % 2), id(i));
    }
    List<DeletionPlan> plans = new java.util.ArrayList<>();
    builder.build(Instant.parse("2026-03-01T00:00:00Z"), 3).forEach(plan -> plans.add(DeletionPlan.decode(plan.key(),
        plan.encode(codec), codec)));

    assertThat(plans).extracting(DeletionPlan::size).containsExactly(3, 3, 1);
    assertThat(plans).extracting(DeletionPlan::key).doesNotHaveDuplicates();
    for (int i = 0; i < 7; i++) {
      int copy = i;
      assertThat(plans.stream().filter(p -> p.names(pack(copy % 2), id(copy)))).hasSize(1);
      assertThat(plans.stream().filter(p -> p.names(pack((copy + 1) % 2), id(copy)))).isEmpty();
    }
  }

  @Test
  void chunksWhoseIdsShareTheirFirstBytesAreToldApart() {
    String first = "00000000" + "1".repeat(56);
    String second = "00000000" + "2".repeat(56);
    DeletionPlan plan = DeletionPlan.create(Instant.parse("2026-03-01T00:00:00Z"), Map.of(PACK_1, Set.of(first)));

    assertThat(plan.names(PACK_1, first)).isTrue();
    assertThat(plan.names(PACK_1, second)).isFalse();
    assertThat(plan.namesAnywhere(second)).isFalse();
  }

  private static String id(int i) {
    return String.format("%08x", i * 2654435761L & 0xffffffffL) + String.format("%056x", i);
  }

  private static String pack(int i) {
    return String.format("%064x", i);
  }
}
