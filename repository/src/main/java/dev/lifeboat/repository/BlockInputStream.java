package dev.lifeboat.repository;

import java.io.IOException;
import java.io.InputStream;

/**
 * An InputStream over a sequence of byte blocks (chunks, gRPC messages), holding one block at a time.
 * Subclasses say where the next block comes from.
 */
public abstract class BlockInputStream extends InputStream {
  private byte[] current = new byte[0];
  private int position;
  private boolean ended;

  /** The next block, or null when there are no more. Empty blocks are skipped. */
  protected abstract byte[] nextBlock() throws IOException;

  private boolean advance() throws IOException {
    while (position >= current.length) {
      if (ended) {
        return false;
      }
      byte[] next = nextBlock();
      if (next == null) {
        ended = true;
        return false;
      }
      current = next;
      position = 0;
    }
    return true;
  }

  @Override
  public int read() throws IOException {
    return advance() ? current[position++] & 0xff : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (!advance()) {
      return -1;
    }
    int n = Math.min(len, current.length - position);
    System.arraycopy(current, position, b, off, n);
    position += n;
    return n;
  }
}
