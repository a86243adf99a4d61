package dev.lifeboat.repository.chunk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FastCdcChunkerTest {
  private static final ChunkerParams SMALL = new ChunkerParams(2 << 10, 8 << 10, 64 << 10);

  private static List<byte[]> chunks(byte[] data, ChunkerParams params) throws IOException {
    return chunks(new ByteArrayInputStream(data), params);
  }

  private static List<byte[]> chunks(InputStream in, ChunkerParams params) throws IOException {
    FastCdcChunker chunker = new FastCdcChunker(in, params);
    List<byte[]> out = new ArrayList<>();
    for (byte[] c = chunker.next(); c != null; c = chunker.next()) {
      out.add(c);
    }
    return out;
  }

  private static byte[] random(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  @Test
  void chunksReassembleToTheInputAndRespectTheBounds() throws IOException {
    byte[] data = random(3 << 20, 1);
    List<byte[]> chunks = chunks(data, SMALL);

    ByteArrayOutputStream joined = new ByteArrayOutputStream();
    for (byte[] c : chunks) {
      joined.write(c);
    }
    assertThat(joined.toByteArray()).isEqualTo(data);
    for (int i = 0; i < chunks.size() - 1; i++) {
      assertThat(chunks.get(i).length).isBetween(SMALL.min() + 1, SMALL.max());
    }
    double average = (double) data.length / chunks.size();
    assertThat(average).as("average chunk size").isBetween(SMALL.avg() * 0.6, SMALL.avg() * 1.6);
  }

  @Test
  void theSameContentIsCutAtTheSamePlacesHoweverItIsRead() throws IOException {
    byte[] data = random(1 << 20, 2);
    List<byte[]> whole = chunks(data, SMALL);
    // a stream that returns at most 1,000 bytes per read
    InputStream trickle = new ByteArrayInputStream(data) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, 1000));
      }
    };
    List<byte[]> trickled = chunks(trickle, SMALL);
    assertThat(trickled).hasSameSizeAs(whole);
    for (int i = 0; i < whole.size(); i++) {
      assertThat(trickled.get(i)).isEqualTo(whole.get(i));
    }
  }

  @Test
  void anInsertionChangesOnlyTheChunksAroundIt() throws IOException {
    byte[] data = random(4 << 20, 3);
    byte[] edited = new byte[data.length + 100];
    int at = 2 << 20;
    System.arraycopy(data, 0, edited, 0, at);
    System.arraycopy(random(100, 4), 0, edited, at, 100);
    System.arraycopy(data, at, edited, at + 100, data.length - at);

    Set<String> before = new HashSet<>();
    chunks(data, SMALL).forEach(c -> before.add(java.util.Arrays.toString(c)));
    List<byte[]> after = chunks(edited, SMALL);
    long shared = after.stream().filter(c -> before.contains(java.util.Arrays.toString(c))).count();
    assertThat((double) shared / after.size()).as("chunks shared after a 100-byte insertion").isGreaterThan(0.97);
  }

  @Test
  void shortAndEmptyInputs() throws IOException {
    assertThat(chunks(new byte[0], SMALL)).isEmpty();
    assertThat(chunks(random(100, 5), SMALL)).singleElement().satisfies(c -> assertThat(c).hasSize(100));
  }

  @Test
  void aSharedBufferLargerThanTheMaximumCutsExactlyLikeAFreshOne() throws IOException {
    byte[] data = random(1 << 20, 7);
    byte[] other = random(300 << 10, 8);
    List<byte[]> fresh = chunks(data, SMALL);
    byte[] buffer = new byte[SMALL.max() * 2];
    // the buffer first holds another stream's bytes: nothing of them may leak into the next
    FastCdcChunker first = new FastCdcChunker(new ByteArrayInputStream(other), SMALL, buffer);
    while (first.next() != null) {
      // drain
    }
    FastCdcChunker shared = new FastCdcChunker(new ByteArrayInputStream(data), SMALL, buffer);
    List<byte[]> reused = new ArrayList<>();
    for (byte[] c = shared.next(); c != null; c = shared.next()) {
      reused.add(c);
    }
    assertThat(reused).hasSameSizeAs(fresh);
    for (int i = 0; i < fresh.size(); i++) {
      assertThat(reused.get(i)).isEqualTo(fresh.get(i));
    }
  }
}
