package dev.lifeboat.repository;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.repository.ChunkStore.ChunkRef;
import dev.lifeboat.repository.blob.ForwardingBlobStore;
import dev.lifeboat.repository.blob.InMemoryBlobStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.pack.IndexFile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** How a repository's index is read and rewritten as it grows: many files at once, bounded files. */
class IndexLoadingTest {
  private static final byte[] KEY = new byte[32];

  @Test
  void openingReadsSeveralIndexFilesAtOnceAndIndexesEveryChunk() {
    InMemoryBlobStore store = new InMemoryBlobStore("primary");
    Repository writer = Repository.openOrCreate(store, KEY, ChunkerParams.DEFAULT, 4096, new SimpleMeterRegistry());
    List<ChunkRef> refs = new ArrayList<>();
    Random random = new Random(3);
    for (int file = 0; file < 20; file++) {
      for (int c = 0; c < 3; c++) {
        byte[] chunk = new byte[500];
        random.nextBytes(chunk);
        refs.add(writer.chunks().put(chunk).ref());
      }
      writer.chunks().flush(); // a pack and its index file
    }
    // the first two index GETs wait for each other: read one after another, the first would wait in vain
    CountDownLatch both = new CountDownLatch(2);
    AtomicInteger reading = new AtomicInteger();
    AtomicInteger mostAtOnce = new AtomicInteger();
    ForwardingBlobStore watched = new ForwardingBlobStore(store) {
      @Override
      public Optional<byte[]> get(String key) {
        if (!key.startsWith(IndexFile.PREFIX)) {
          return super.get(key);
        }
        mostAtOnce.accumulateAndGet(reading.incrementAndGet(), Math::max);
        try {
          both.countDown();
          both.await(30, TimeUnit.SECONDS);
          return super.get(key);
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        } finally {
          reading.decrementAndGet();
        }
      }
    };

    Repository reader = Repository.open(watched, KEY, 4096, new SimpleMeterRegistry());

    assertThat(mostAtOnce.get()).as("index files read at once").isGreaterThanOrEqualTo(2);
    assertThat(reader.chunks().indexFiles()).hasSize(20);
    assertThat(reader.chunks().index().size()).isEqualTo(refs.size());
    refs.forEach(ref -> assertThat(reader.chunks().index().contains(ref.id())).isTrue());
  }

  @Test
  void aWholeIndexIsWrittenInFilesOfBoundedSizeThatTogetherListEveryChunk() {
    InMemoryBlobStore store = new InMemoryBlobStore("primary");
    Repository writer = Repository.openOrCreate(store, KEY, ChunkerParams.DEFAULT, 4096, new SimpleMeterRegistry());
    List<ChunkRef> refs = new ArrayList<>();
    Random random = new Random(4);
    for (int c = 0; c < 20; c++) {
      byte[] chunk = new byte[700];
      random.nextBytes(chunk);
      refs.add(writer.chunks().put(chunk).ref());
    }
    writer.chunks().flush();
    List<String> before = new ArrayList<>();
    store.list(IndexFile.PREFIX, info -> before.add(info.key()));

    Set<String> whole = writer.chunks().writeWholeIndex(Set.of(), 3);
    before.stream().filter(key -> !whole.contains(key)).forEach(store::delete);

    assertThat(whole).hasSize(7); // 20 chunks, 3 a file
    for (String key : whole) {
      assertThat(IndexFile.read(key, store.get(key).orElseThrow(), writer.chunks().codec()).entries()).isLessThanOrEqualTo(3);
    }
    Repository reader = Repository.open(store, KEY, 4096, new SimpleMeterRegistry());
    assertThat(reader.chunks().index().size()).isEqualTo(refs.size());
    refs.forEach(ref -> assertThat(reader.chunks().index().contains(ref.id())).isTrue());
  }
}
