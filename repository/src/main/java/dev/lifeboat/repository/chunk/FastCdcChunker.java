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
  /** The bytes read and not yet cut are {@code buffer[start, end)}. */
  private int start;
  private int end;
  private boolean eof;

  /** A chunker with a buffer of two maximum-size chunks. */
  public FastCdcChunker(InputStream in, ChunkerParams params) {
    this(in, params, new byte[2 * params.max()]);
  }

  /**
   * A chunker reading into the caller's {@code buffer} (at least the maximum chunk size), so one
   * buffer can serve many short streams in turn without allocating a new one for each. A larger
   * buffer moves fewer bytes: what is left after a cut is moved to the front only when less than a
   * maximum-size chunk fits behind it (with two maximum sizes, about once per maximum size read).
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
    if (end == start) {
      return null;
    }
    int cut = cutPoint(buffer, start, end - start);
    byte[] chunk = Arrays.copyOfRange(buffer, start, start + cut);
    start += cut;
    return chunk;
  }

  private void fill() throws IOException {
    if (eof || end - start >= params.max()) {
      return;
    }
    if (start + params.max() > buffer.length) {
      System.arraycopy(buffer, start, buffer, 0, end - start);
      end -= start;
      start = 0;
    }
    while (!eof && end - start < params.max()) {
      int n = in.read(buffer, end, buffer.length - end);
      if (n < 0) {
        eof = true;
      } else {
        end += n;
      }
    }
  }

  /** Length of the first chunk of {@code data[from, from + length)}. */
  int cutPoint(byte[] data, int from, int length) {
    if (length <= params.min()) {
      return length;
    }
    int last = from + Math.min(length, params.max());
    int normal = from + Math.min(params.avg(), last - from);
    java.util.Objects.checkFromToIndex(from, last, data.length); // lets the JIT drop the loops' range checks
    final long[] gear = GEAR;
    final long small = maskSmall;
    final long large = maskLarge;
    long hash = 0;
    int i = from + params.min();
    for (; i < normal; i++) {
      hash = (hash << 1) + gear[data[i] & 0xff];
      if ((hash & small) == 0) {
        return i + 1 - from;
      }
    }
    for (; i < last; i++) {
      hash = (hash << 1) + gear[data[i] & 0xff];
      if ((hash & large) == 0) {
        return i + 1 - from;
      }
    }
    return last - from;
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
