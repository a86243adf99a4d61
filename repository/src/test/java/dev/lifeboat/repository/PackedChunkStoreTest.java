package dev.lifeboat.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.repository.blob.BlobInfo;
import dev.lifeboat.repository.blob.BlobOperation;
import dev.lifeboat.repository.blob.FaultInjectingBlobStore;
import dev.lifeboat.repository.blob.InMemoryBlobStore;
import dev.lifeboat.repository.chunk.ChunkCodec;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.chunk.RepositoryKeys;
import dev.lifeboat.repository.pack.IndexFile;
import dev.lifeboat.repository.pack.Pack;
import dev.lifeboat.repository.pack.PackCorruptedException;
import dev.lifeboat.retry.RetriableFailure;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class PackedChunkStoreTest {
  private static final byte[] MASTER = new byte[32];
  private static final ChunkerParams PARAMS = new ChunkerParams(64, 1024, 4096);

  private final InMemoryBlobStore store = new InMemoryBlobStore("test");

  @Test
  void manySmallChunksBecomeFewPacksAndReadBack() {
    Repository repository = Repository.openOrCreate(store, MASTER, PARAMS, new SimpleMeterRegistry());
    List<byte[]> chunks = randomChunks(3000, 20_000, 1);
    List<String> ids = new ArrayList<>();
    for (byte[] chunk : chunks) {
      ChunkStore.Put put = repository.chunks().put(chunk);
      assertThat(put.uploaded()).isTrue();
      ids.add(put.ref().id());
    }
    repository.chunks().flush();

    // 3,000 chunks of ~10 KiB = ~30 MiB: four or five 8 MiB packs, not 3,000 objects
    assertThat(keys(Pack.PREFIX)).hasSizeBetween(3, 6);
    assertThat(keys(IndexFile.PREFIX)).hasSizeBetween(1, 2);
    for (int i = 0; i < chunks.size(); i += 97) {
      assertThat(repository.chunks().get(ids.get(i))).isEqualTo(chunks.get(i));
    }
  }

  @Test
  void aReopenedRepositoryKnowsItsChunksFromTheIndexWithoutAskingTheStore() {
    Repository first = Repository.openOrCreate(store, MASTER, PARAMS, new SimpleMeterRegistry());
    List<byte[]> chunks = randomChunks(500, 5000, 2);
    chunks.forEach(first.chunks()::put);
    first.chunks().flush();
    int packs = keys(Pack.PREFIX).size();

    FaultInjectingBlobStore counting = new FaultInjectingBlobStore(store);
    Repository second = Repository.open(counting, MASTER, new SimpleMeterRegistry());
    int statsBefore = counting.calls(BlobOperation.STAT);
    for (byte[] chunk : chunks) {
      assertThat(second.chunks().put(chunk).uploaded()).isFalse();
    }
    second.chunks().flush();

    assertThat(counting.calls(BlobOperation.STAT)).as("existence is answered by the index").isEqualTo(statsBefore);
    assertThat(keys(Pack.PREFIX)).hasSize(packs);
    assertThat(second.chunks().get(second.chunks().put(chunks.get(7)).ref().id())).isEqualTo(chunks.get(7));
  }

  @Test
  void packsUploadedButNeverIndexedAreFoundFromTheirHeadersAndReused() {
    Repository crashed = Repository.openOrCreate(store, MASTER, PARAMS, new SimpleMeterRegistry());
    List<byte[]> chunks = randomChunks(1500, 20_000, 3);
    List<String> ids = new ArrayList<>();
    chunks.forEach(c -> ids.add(crashed.chunks().put(c).ref().id()));
    crashed.chunks().flush();
    // as if the process had died after uploading its packs and before writing their index
    keys(IndexFile.PREFIX).forEach(store::delete);

    Repository restarted = Repository.open(store, MASTER, new SimpleMeterRegistry());

    assertThat(keys(IndexFile.PREFIX)).as("the recovered packs are indexed again").hasSize(1);
    for (byte[] chunk : chunks) {
      assertThat(restarted.chunks().put(chunk).uploaded()).isFalse();
    }
    assertThat(restarted.chunks().get(ids.get(1234))).isEqualTo(chunks.get(1234));
  }

  @Test
  void aFailedPackUploadIsRetriedByTheNextFlushAndNothingIsLost() {
    FaultInjectingBlobStore faulty = new FaultInjectingBlobStore(store);
    Repository repository = Repository.openOrCreate(faulty, MASTER, PARAMS, new SimpleMeterRegistry());
    List<byte[]> chunks = randomChunks(100, 3000, 4);
    List<String> ids = new ArrayList<>();
    chunks.forEach(c -> ids.add(repository.chunks().put(c).ref().id()));
    faulty.failNext(BlobOperation.PUT, 1, FaultInjectingBlobStore.Fault.RETRIABLE);

    assertThatThrownBy(() -> repository.chunks().flush()).isInstanceOf(RetriableFailure.class);
    assertThat(keys(Pack.PREFIX)).isEmpty();

    // the chunks are still accepted (a retried snapshot reuses them); the next flush stores them
    assertThat(repository.chunks().put(chunks.get(0)).uploaded()).isFalse();
    repository.chunks().flush();
    Repository reader = Repository.open(store, MASTER, new SimpleMeterRegistry());
    for (int i = 0; i < chunks.size(); i++) {
      assertThat(reader.chunks().get(ids.get(i))).isEqualTo(chunks.get(i));
    }
  }

  @Test
  void concurrentWritersFlushEverythingTheyReused() throws Exception {
    Repository repository = Repository.openOrCreate(store, MASTER, PARAMS, new SimpleMeterRegistry());
    List<byte[]> chunks = randomChunks(4000, 8000, 5);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<List<String>>> writers = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        int offset = w * 500; // overlapping halves: writers reuse each other's chunks while they are being packed
        writers.add(pool.submit(() -> {
          List<String> ids = new ArrayList<>();
          for (int i = offset; i < offset + 2500; i++) {
            ids.add(repository.chunks().put(chunks.get(i)).ref().id());
          }
          repository.chunks().flush();
          return ids;
        }));
      }
      Repository reader = Repository.open(store, MASTER, new SimpleMeterRegistry());
      for (int w = 0; w < 4; w++) {
        List<String> ids = writers.get(w).get();
        for (int i = 0; i < ids.size(); i += 31) {
          assertThat(reader.chunks().get(ids.get(i))).isEqualTo(chunks.get(w * 500 + i));
        }
      }
    } finally {
      pool.shutdownNow();
    }
    long stored = Repository.open(store, MASTER, new SimpleMeterRegistry()).chunks().index().size();
    assertThat(stored).as("each distinct chunk stored once").isEqualTo(4000);
  }

  @Test
  void aFlushWaitsForAChunkAnotherWriterIsStillSealing() throws Exception {
    // zstd level 19 on a MiB of text takes about a second: a wide window between one writer
    // accepting the chunk and adding it to the open pack, in which another writer reuses it
    ChunkCodec slow = new ChunkCodec(RepositoryKeys.create(MASTER, "repo").keys(), 19);
    ChunkStore chunks = new ChunkStore(store, slow, ChunkStore.DEFAULT_PACK_SIZE, new SimpleMeterRegistry());
    byte[] text = wordsChunk(1024 * 1024, 7);
    ExecutorService first = Executors.newSingleThreadExecutor();
    try {
      Future<ChunkStore.Put> sealing = first.submit(() -> chunks.put(text));
      while (chunks.sealingNow() == 0) {
        assertThat(sealing.isDone()).as("the first put is still sealing when the second writer comes").isFalse();
        Thread.onSpinWait();
      }
      ChunkStore.Put reused = chunks.put(text);
      assertThat(reused.uploaded()).as("the second writer reuses the chunk being sealed").isFalse();
      assertThat(sealing.isDone()).isFalse();

      chunks.flush();

      ChunkStore reader = new ChunkStore(store, slow, ChunkStore.DEFAULT_PACK_SIZE, new SimpleMeterRegistry());
      reader.load();
      assertThat(reader.index().contains(reused.ref().id())).as("stored and indexed when the flush returned").isTrue();
      assertThat(sealing.get().uploaded()).isTrue();
    } finally {
      first.shutdownNow();
    }
  }

  @Test
  void aDamagedPackHeaderIsNamed() {
    Repository repository = Repository.openOrCreate(store, MASTER, PARAMS, new SimpleMeterRegistry());
    repository.chunks().put(randomChunks(1, 100, 6).get(0));
    repository.chunks().flush();
    String key = keys(Pack.PREFIX).get(0);
    byte[] pack = store.get(key).orElseThrow();
    pack[pack.length - 12] ^= 1; // inside the sealed header
    store.delete(key);
    store.putIfAbsent(key, pack);

    BlobInfo info = new BlobInfo(key, pack.length, Instant.now());
    assertThatThrownBy(() -> repository.chunks().readHeader(info)).isInstanceOf(PackCorruptedException.class)
        .hasMessageContaining("pack " + Pack.nameOf(key)).hasMessageContaining("corrupted");
  }

  private List<String> keys(String prefix) {
    List<String> keys = new ArrayList<>();
    store.list(prefix, info -> keys.add(info.key()));
    return keys;
  }

  /** Text of random words: compressible, so a high zstd level works hard on it. */
  private static byte[] wordsChunk(int size, long seed) {
    Random random = new Random(seed);
    StringBuilder text = new StringBuilder(size + 16);
    while (text.length() < size) {
      int length = 2 + random.nextInt(8);
      for (int i = 0; i < length; i++) {
        text.append((char) ('a' + random.nextInt(26)));
      }
      text.append(' ');
    }
    return text.substring(0, size).getBytes(StandardCharsets.US_ASCII);
  }

  private static List<byte[]> randomChunks(int count, int maxSize, long seed) {
    Random random = new Random(seed);
    List<byte[]> chunks = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] chunk = new byte[1 + random.nextInt(maxSize)];
      random.nextBytes(chunk);
      chunks.add(chunk);
    }
    return chunks;
  }
}
