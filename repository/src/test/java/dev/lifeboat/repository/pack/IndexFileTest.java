package dev.lifeboat.repository.pack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.repository.chunk.ChunkCodec;
import dev.lifeboat.repository.chunk.RepositoryKeys;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IndexFileTest {
  private static final String PACK_1 = "1".repeat(64);
  private static final String PACK_2 = "2".repeat(64);
  private final ChunkCodec codec = new ChunkCodec(RepositoryKeys.create(new byte[32], "repo").keys(), 1);

  @Test
  void aListingAddsToTheIndexWhatTheFileSaysWithoutAnObjectPerChunk() {
    Map<String, List<PackEntry>> packs = new LinkedHashMap<>();
    packs.put(PACK_1, List.of(new PackEntry("a".repeat(64), 0, 10, 5), new PackEntry("b".repeat(64), 10, 11, 6)));
    packs.put(PACK_2, List.of(new PackEntry("c".repeat(64), 0, 12, 7)));
    IndexFile.Encoded file = IndexFile.encode(packs, codec);

    IndexFile.Listing listing = IndexFile.read(file.key(), file.bytes(), codec);
    ChunkIndex index = new ChunkIndex();
    listing.forEachPack((pack, entries) -> index.addPack(pack, entries, false));

    assertThat(listing.entries()).isEqualTo(3);
    assertThat(IndexFile.decode(file.key(), file.bytes(), codec)).isEqualTo(packs);
    assertThat(index.get("b".repeat(64))).isEqualTo(new ChunkIndex.Location(PACK_1, 10, 11, 6));
    assertThat(index.get("c".repeat(64))).isEqualTo(new ChunkIndex.Location(PACK_2, 0, 12, 7));
  }

  @Test
  void aFileThatEndsInTheMiddleOfAnEntryIsRefusedBeforeAnyPackIsListed() {
    ByteBuffer plain = ByteBuffer.allocate(4 + 2 * (32 + 4) + 44);
    plain.putInt(2).put(new byte[32]).putInt(1).put(new byte[44]).put(new byte[32]).putInt(1); // second pack's entry missing
    byte[] sealed = codec.seal("index", plain.array());
    String key = IndexFile.key(PackFormat.sha256(sealed));

    assertThatThrownBy(() -> IndexFile.read(key, sealed, codec)).isInstanceOf(PackCorruptedException.class)
        .hasMessageContaining("middle of an entry");
  }

  @Test
  void aFileClaimingMorePacksThanItsBytesHoldIsRefusedWithoutAllocatingForThem() {
    byte[] sealed = codec.seal("index", ByteBuffer.allocate(8).putInt(Integer.MAX_VALUE).putInt(0).array());
    String key = IndexFile.key(PackFormat.sha256(sealed));
    List<String> listed = new ArrayList<>();

    assertThatThrownBy(() -> IndexFile.read(key, sealed, codec).forEachPack((pack, entries) -> listed.add(pack)))
        .isInstanceOf(PackCorruptedException.class);
    assertThat(listed).isEmpty();
  }
}
