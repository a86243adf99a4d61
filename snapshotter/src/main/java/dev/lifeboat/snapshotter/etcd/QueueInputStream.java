package dev.lifeboat.snapshotter.etcd;

import dev.lifeboat.repository.BlockInputStream;
import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Turns pushed blocks (gRPC messages) into an InputStream. {@link #push} blocks when {@code capacity}
 * blocks wait unread, which stops the sender: memory stays bounded however large the stream.
 */
final class QueueInputStream extends BlockInputStream {
  private static final byte[] END = new byte[0];
  private final BlockingQueue<byte[]> blocks;
  private volatile Throwable failure;

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

  /** Ends the stream with an error; what was not read yet is dropped (the snapshot is void anyway). */
  void fail(Throwable error) {
    failure = error;
    blocks.clear();
    blocks.offer(END);
  }

  @Override
  protected byte[] nextBlock() throws IOException {
    byte[] next;
    try {
      next = blocks.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while reading the etcd snapshot stream", e);
    }
    if (next == END) {
      if (failure != null) {
        throw new IOException("the etcd snapshot stream failed: " + failure.getMessage(), failure);
      }
      return null;
    }
    return next;
  }
}
