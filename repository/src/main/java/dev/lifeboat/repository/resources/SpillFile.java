package dev.lifeboat.repository.resources;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A temporary file that object documents are appended to, so their bodies are not held in memory;
 * each is read back by position. Created readable and writable by its owner alone (the documents may
 * hold sealed payloads and plain metadata). Where the file system allows it (POSIX), the file's name
 * is removed as soon as it is open, so nothing is left behind even when the process is killed;
 * elsewhere it is deleted on close.
 */
public final class SpillFile implements AutoCloseable {
  private final Path path;
  private final FileChannel channel;
  private final OutputStream out;
  /** The name is still there: delete it on close. */
  private final boolean named;
  private boolean reading;
  private long size;

  /** Where a document is in the file. */
  public record Slice(long position, int length) {}

  public SpillFile(Path directory) throws IOException {
    this.path = Files.createTempFile(directory, "lifeboat-resources-", ".spill");
    try {
      this.channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException e) {
      Files.deleteIfExists(path);
      throw e;
    }
    this.named = !unlink(path);
    this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
  }

  private static boolean unlink(Path path) {
    try {
      Files.delete(path);
      return true;
    } catch (IOException e) {
      return false; // an open file cannot be deleted here: on close, then
    }
  }

  public Slice append(byte[] bytes) throws IOException {
    if (reading) {
      throw new IllegalStateException("the spill file is being read");
    }
    out.write(bytes);
    Slice slice = new Slice(size, bytes.length);
    size += bytes.length;
    return slice;
  }

  /** Ends appending; reads may follow. */
  public void finishWriting() throws IOException {
    out.flush();
    reading = true;
  }

  public byte[] read(Slice slice) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(slice.length());
    long position = slice.position();
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer, position);
      if (n < 0) {
        throw new IOException("spill file " + path + " ends before " + (slice.position() + slice.length()));
      }
      position += n;
    }
    return buffer.array();
  }

  public long size() {
    return size;
  }

  @Override
  public void close() throws IOException {
    try {
      channel.close(); // what is still buffered is of no use to anyone
    } finally {
      if (named) {
        Files.deleteIfExists(path);
      }
    }
  }
}
