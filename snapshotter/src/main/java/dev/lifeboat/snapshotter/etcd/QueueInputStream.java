package dev.lifeboat.snapshotter.etcd;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Turns pushed blocks (gRPC messages) into an InputStream. {@link #push} blocks when {@code capacity}
 * blocks wait unread, which stops the sender: memory stays bounded however large the stream.
 */
final class QueueInputStream extends InputStream {
  private static final byte[] END = new byte[0];
  private final BlockingQueue<byte[]> blocks;
  private volatile Throwable failure;
  private byte[] current = new byte[0];
  private int position;
  private boolean ended;

  QueueInputStream(int capacity) {
    this.blocks = new ArrayBlockingQueue<>(capacity);
  }

  void push(byte[] block) throws InterruptedException {
    if (block.length > 0) {
      blocks.put(block);
    }
  }

  void end() throws InterruptedException {
    blocks.put(END);
  }

  void fail(Throwable error) {
    failure = error;
    blocks.offer(END);
  }

  private boolean advance() throws IOException {
    while (position >= current.length) {
      if (ended) {
        return false;
      }
      byte[] next;
      try {
        next = blocks.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while reading the etcd snapshot stream", e);
      }
      if (next == END) {
        ended = true;
        if (failure != null) {
          throw new IOException("the etcd snapshot stream failed: " + failure.getMessage(), failure);
        }
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
