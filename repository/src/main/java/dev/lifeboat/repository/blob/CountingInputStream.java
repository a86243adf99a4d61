package dev.lifeboat.repository.blob;

import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongConsumer;

/** Counts the bytes read through it; optionally reports the count once, when closed. */
final class CountingInputStream extends ObservedInputStream {
  private final LongConsumer onClose;
  private long count;
  private boolean closed;

  CountingInputStream(InputStream in) {
    this(in, n -> {});
  }

  CountingInputStream(InputStream in, LongConsumer onClose) {
    super(in);
    this.onClose = onClose;
  }

  /** Bytes read (or skipped) so far. */
  long count() {
    return count;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    int n = super.read(buffer, offset, length);
    if (n > 0) {
      count += n;
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    long skipped = super.skip(n);
    count += Math.max(0, skipped);
    return skipped;
  }

  @Override
  public void close() throws IOException {
    try {
      super.close();
    } finally {
      if (!closed) {
        closed = true;
        onClose.accept(count);
      }
    }
  }
}
