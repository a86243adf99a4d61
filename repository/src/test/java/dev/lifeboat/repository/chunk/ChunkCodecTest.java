package dev.lifeboat.repository.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChunkCodecTest {
  private final byte[] master = new byte[32];
  private final RepositoryKeys.Created created = RepositoryKeys.create(master, "repo-1");
  private final ChunkCodec codec = new ChunkCodec(created.keys(), 1);

  @Test
  void sealsCompressesAndOpensAgain() {
    byte[] text = "pod ready volume mounted retry checkpoint ".repeat(5000).getBytes(StandardCharsets.UTF_8);
    String id = codec.id(text);
    byte[] stored = codec.seal(id, text);

    assertThat(stored.length).as("compressed").isLessThan(text.length / 10);
    assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain("pod ready");
    assertThat(codec.open(id, stored)).isEqualTo(text);
  }

  @Test
  void incompressibleDataIsStoredAsIs() {
    byte[] noise = new byte[1 << 20];
    new Random(1).nextBytes(noise);
    String id = codec.id(noise);
    byte[] stored = codec.seal(id, noise);
    assertThat(stored[0]).isZero();
    assertThat(stored.length).isEqualTo(noise.length + 1 + 12 + 16);
    assertThat(codec.open(id, stored)).isEqualTo(noise);
  }

  @Test
  void idsAreKeyedSoAnotherRepositoryNamesTheSameContentDifferently() {
    ChunkCodec other = new ChunkCodec(RepositoryKeys.create(master, "repo-2").keys(), 1);
    byte[] content = "same".getBytes(StandardCharsets.UTF_8);
    assertThat(codec.id(content)).hasSize(64).isNotEqualTo(other.id(content));
    assertThat(codec.id(content)).isEqualTo(codec.id(content));
  }

  @Test
  void aFlippedBitOrASwappedChunkIsDetectedWithTheChunkIdInTheError() {
    byte[] a = "chunk a".getBytes(StandardCharsets.UTF_8);
    byte[] b = "chunk b".getBytes(StandardCharsets.UTF_8);
    String idA = codec.id(a);
    byte[] storedA = codec.seal(idA, a);
    byte[] storedB = codec.seal(codec.id(b), b);

    byte[] flipped = storedA.clone();
    flipped[flipped.length - 20] ^= 1;
    assertThatThrownBy(() -> codec.open(idA, flipped)).isInstanceOf(ChunkCorruptedException.class)
        .hasMessageContaining("chunk " + idA + " is corrupted: authentication failed");
    assertThatThrownBy(() -> codec.open(idA, storedB)).isInstanceOf(ChunkCorruptedException.class)
        .hasMessageContaining(idA);
    assertThatThrownBy(() -> codec.open(idA, new byte[3])).isInstanceOf(ChunkCorruptedException.class);
  }

  @Test
  void theDataKeyOpensOnlyWithItsMasterKey() {
    byte[] wrong = new byte[32];
    wrong[0] = 9;
    RepositoryKeys reopened = RepositoryKeys.unwrap(master, created.wrappedDataKey(), "repo-1");
    assertThat(new ChunkCodec(reopened, 1).id("x".getBytes())).isEqualTo(codec.id("x".getBytes()));
    assertThatThrownBy(() -> RepositoryKeys.unwrap(wrong, created.wrappedDataKey(), "repo-1"))
        .hasMessageContaining("the master key does not open repository repo-1");
    assertThatThrownBy(() -> RepositoryKeys.unwrap(master, created.wrappedDataKey(), "repo-other"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
