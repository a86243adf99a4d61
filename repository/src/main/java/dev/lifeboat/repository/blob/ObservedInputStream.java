package dev.lifeboat.repository.blob;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A stream that passes bytes through and looks at each exactly once (counts, hashes, throttles them): a
 * subclass looks in {@link #read(byte[], int, int)} alone, since a single-byte read goes through it, and
 * marking is refused, since bytes read again after a reset would be looked at twice.
 */
public abstract class ObservedInputStream extends FilterInputStream {

  protected ObservedInputStream(InputStream in) {
    super(in);
  }

  @Override
  public final int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public final boolean markSupported() {
    return false;
  }

  @Override
  public final synchronized void mark(int readLimit) {}

  @Override
  public final synchronized void reset() throws IOException {
    throw new IOException("mark/reset not supported");
  }
}
