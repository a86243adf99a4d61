package dev.lifeboat.repository.chunk;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * FastCDC (Xia et al., USENIX ATC 2016) content-defined chunking with normalized chunking: a gear
 * rolling hash decides cut points from the content alone, so an insertion shifts only the chunks
 * around it and the rest deduplicate. Before the average size a stricter mask (two more bits) makes
 * cuts rarer, after it a looser one makes them likelier, which narrows the size distribution around
 * the average. The mask bits sit at the top of the 64-bit hash so each decision depends on the last
 * 64 bytes.
 *
 * <p>Streams any length in bounded memory (one buffer of the maximum chunk size). Not thread-safe:
 * one chunker per stream.
 */
public final class FastCdcChunker {
  private static final long[] GEAR = gear();

  private final ChunkerParams params;
  private final long maskSmall;
  private final long maskLarge;
  private final InputStream in;
  private final byte[] buffer;
  private int filled;
  private boolean eof;

  public FastCdcChunker(InputStream in, ChunkerParams params) {
    this(in, params, new byte[params.max()]);
  }

  /**
   * A chunker reading into the caller's {@code buffer} (at least the maximum chunk size), so one
   * buffer can serve many short streams in turn without allocating a new one for each.
   */
  public FastCdcChunker(InputStream in, ChunkerParams params, byte[] buffer) {
    if (buffer.length < params.max()) {
      throw new IllegalArgumentException("the buffer must hold a maximum-size chunk (" + params.max() + " bytes), was "
          + buffer.length);
    }
    this.in = in;
    this.params = params;
    this.buffer = buffer;
    this.maskSmall = topBits(params.bits() + 2);
    this.maskLarge = topBits(params.bits() - 2);
  }

  /** The next chunk, or null at the end of the stream. */
  public byte[] next() throws IOException {
    fill();
    if (filled == 0) {
      return null;
    }
    int cut = cutPoint(buffer, filled);
    byte[] chunk = Arrays.copyOf(buffer, cut);
    System.arraycopy(buffer, cut, buffer, 0, filled - cut);
    filled -= cut;
    return chunk;
  }

  private void fill() throws IOException {
    while (!eof && filled < params.max()) {
      int n = in.read(buffer, filled, params.max() - filled);
      if (n < 0) {
        eof = true;
      } else {
        filled += n;
      }
    }
  }

  /** Where the first chunk of {@code data[0, length)} ends. */
  int cutPoint(byte[] data, int length) {
    if (length <= params.min()) {
      return length;
    }
    int end = Math.min(length, params.max());
    int normal = Math.min(params.avg(), end);
    long hash = 0;
    int i = params.min();
    for (; i < normal; i++) {
      hash = (hash << 1) + GEAR[data[i] & 0xff];
      if ((hash & maskSmall) == 0) {
        return i + 1;
      }
    }
    for (; i < end; i++) {
      hash = (hash << 1) + GEAR[data[i] & 0xff];
      if ((hash & maskLarge) == 0) {
        return i + 1;
      }
    }
    return end;
  }

  private static long topBits(int bits) {
    return bits >= 64 ? -1L : ((1L << bits) - 1) << (64 - bits);
  }

  /** A fixed table: every writer of every version must cut identically. */
  private static long[] gear() {
    SplittableRandom random = new SplittableRandom(0x4C69666562_6F6174L); // "Lifeboat"
    long[] table = new long[256];
    for (int i = 0; i < table.length; i++) {
      table[i] = random.nextLong();
    }
    return table;
  }
}
