package dev.lifeboat.repository;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.repository.ChunkStore.ChunkRef;
import dev.lifeboat.repository.blob.InMemoryBlobStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.pack.IndexFile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** One flipped bit in an index file must not make the repository unreadable for the next process. */
class DamagedIndexTest {
  private static final byte[] KEY = new byte[32];

  @Test
  void aRepositoryWithADamagedIndexFileOpensReadsEveryChunkAndSaysWhichFileItLeftOut() {
    InMemoryBlobStore store = new InMemoryBlobStore("primary");
    Repository writer = Repository.openOrCreate(store, KEY, ChunkerParams.DEFAULT, 4096, new SimpleMeterRegistry());
    Random random = new Random(7);
    List<byte[]> chunks = new ArrayList<>();
    List<ChunkRef> refs = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      byte[] c = new byte[1000 + i];
      random.nextBytes(c);
      chunks.add(c);
      refs.add(writer.chunks().put(c).ref());
    }
    writer.chunks().flush();
    List<String> indexFiles = new ArrayList<>();
    store.list(IndexFile.PREFIX, info -> indexFiles.add(info.key()));
    String damaged = indexFiles.get(0);
    byte[] bytes = store.get(damaged).orElseThrow();
    bytes[bytes.length / 2] ^= 4;
    store.delete(damaged);
    store.putIfAbsent(damaged, bytes);

    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    Repository reader = Repository.open(store, KEY, meters);

    for (int i = 0; i < refs.size(); i++) {
      assertThat(reader.chunks().get(refs.get(i).id())).isEqualTo(chunks.get(i));
    }
    assertThat(reader.chunks().damagedIndexFiles()).containsExactly(damaged);
    assertThat(meters.get("lifeboat.repository.index.damaged").gauge().value()).isEqualTo(1.0);
  }
}
