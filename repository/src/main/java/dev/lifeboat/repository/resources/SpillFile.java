package dev.lifeboat.repository.resources;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A temporary file that object documents are appended to, so their bodies are not held in memory;
 * each is read back by position. Created readable and writable by its owner alone (the documents may
 * hold sealed payloads and plain metadata); deleted on close.
 */
public final class SpillFile implements AutoCloseable {
  private final Path path;
  private final OutputStream out;
  private FileChannel reader;
  private long size;

  /** Where a document is in the file. */
  public record Slice(long position, int length) {}

  public SpillFile(Path directory) throws IOException {
    this.path = Files.createTempFile(directory, "lifeboat-resources-", ".spill");
    this.out = new BufferedOutputStream(Files.newOutputStream(path, StandardOpenOption.WRITE), 1 << 16);
  }

  public Slice append(byte[] bytes) throws IOException {
    if (reader != null) {
      throw new IllegalStateException("the spill file is being read");
    }
    out.write(bytes);
    Slice slice = new Slice(size, bytes.length);
    size += bytes.length;
    return slice;
  }

  /** Ends appending; reads may follow. */
  public void finishWriting() throws IOException {
    out.close();
    reader = FileChannel.open(path, StandardOpenOption.READ);
  }

  public byte[] read(Slice slice) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(slice.length());
    long position = slice.position();
    while (buffer.hasRemaining()) {
      int n = reader.read(buffer, position);
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
      out.close();
      if (reader != null) {
        reader.close();
      }
    } finally {
      Files.deleteIfExists(path);
    }
  }
}
