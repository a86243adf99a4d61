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
  void chunksOfEverySizeSealedOnSomeThreadsOpenOnOthersAndAsFramesFromZstdsOwnCompressor() throws Exception {
    Random random = new Random(2);
    java.util.List<byte[]> contents = new java.util.ArrayList<>();
    for (int size : new int[] {0, 1, 4096, (2 << 20) - 1, 2 << 20, (2 << 20) + 1, 5 << 20}) {
      byte[] text = "lease renewed checkpoint flush ".repeat(size / 31 + 1).substring(0, size).getBytes(StandardCharsets.UTF_8);
      byte[] noise = new byte[size];
      random.nextBytes(noise);
      contents.add(text);
      contents.add(noise);
    }
    java.util.concurrent.ExecutorService sealers = java.util.concurrent.Executors.newFixedThreadPool(3);
    java.util.concurrent.ExecutorService openers = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      java.util.List<java.util.concurrent.Future<byte[]>> opened = new java.util.ArrayList<>();
      for (int round = 0; round < 4; round++) {
        for (byte[] content : contents) {
          byte[] sealed = sealers.submit(() -> codec.seal(codec.id(content), content)).get();
          opened.add(openers.submit(() -> codec.open(codec.id(content), sealed)));
        }
      }
      for (int i = 0; i < opened.size(); i++) {
        assertThat(opened.get(i).get()).isEqualTo(contents.get(i % contents.size()));
      }
    } finally {
      sealers.shutdownNow();
      openers.shutdownNow();
    }
    // a chunk stored by an earlier version (a frame from zstd's one-shot compressor) still opens
    byte[] text = contents.get(6);
    byte[] frame = com.github.luben.zstd.Zstd.compress(text, 1);
    javax.crypto.Cipher cipher = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
    byte[] nonce = new byte[12];
    String id = codec.id(text);
    cipher.init(javax.crypto.Cipher.ENCRYPT_MODE, new javax.crypto.spec.SecretKeySpec(created.keys().encryptionKey(), "AES"),
        new javax.crypto.spec.GCMParameterSpec(128, nonce));
    cipher.updateAAD(java.nio.ByteBuffer.allocate(1 + 64).put((byte) 1).put(id.getBytes(StandardCharsets.US_ASCII)).array());
    byte[] body = cipher.doFinal(frame);
    byte[] stored = java.nio.ByteBuffer.allocate(1 + 12 + body.length).put((byte) 1).put(nonce).put(body).array();
    assertThat(codec.open(id, stored)).isEqualTo(text);
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
