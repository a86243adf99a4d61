package dev.lifeboat.repository.restore;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Writes a new file from its chunks in order, leaving holes where the content is zero. Each chunk is
 * cut at 4 KiB block boundaries (aligned on file offsets, as the file system allocates); a piece that
 * is all zeros is skipped, not written, and the length is set at the end. So an all-zero chunk costs
 * no disk at all, a block the file system would allocate only for zeros is never allocated, and a
 * sparse file restores sparse. Every byte given is hashed, written or not, so the caller can check
 * the whole against the manifest.
 *
 * <p>Skipped ranges read back as zeros because the file is new: nothing was there before. A file that
 * ends in a hole gets its length from one zero byte written at its end (Java cannot extend a file
 * through a channel otherwise): one block allocated, the content the same.
 */
public final class SparseFileWriter implements Closeable {
  static final int BLOCK = 4096;
  private static final byte[] ZEROS = new byte[BLOCK];

  private final FileChannel channel;
  private final MessageDigest sha256;
  private long position;
  private long written;

  /** Creates {@code path}; fails if anything (a file, a link) is already there. */
  public SparseFileWriter(Path path) throws IOException {
    this(FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS));
  }

  /**
   * A writer of {@code path}, an empty file the caller has just created: opened without following a
   * link, and refused if it is no longer empty.
   */
  static SparseFileWriter ofCreated(Path path) throws IOException {
    FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    if (channel.size() != 0) {
      channel.close();
      throw new IOException(path + " was written by something else after the restore created it");
    }
    return new SparseFileWriter(channel);
  }

  private SparseFileWriter(FileChannel channel) {
    this.channel = channel;
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Appends {@code data} (logically: zero blocks become holes). */
  public void write(byte[] data) throws IOException {
    sha256.update(data);
    int run = -1;
    int i = 0;
    while (i < data.length) {
      int end = (int) Math.min(data.length, i + BLOCK - Math.floorMod(position + i, BLOCK));
      boolean zero = Arrays.mismatch(data, i, end, ZEROS, 0, end - i) < 0;
      if (zero && run >= 0) {
        put(data, run, i);
        run = -1;
      } else if (!zero && run < 0) {
        run = i;
      }
      i = end;
    }
    if (run >= 0) {
      put(data, run, data.length);
    }
    position += data.length;
  }

  private void put(byte[] data, int from, int to) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(data, from, to - from);
    long at = position + from;
    while (buffer.hasRemaining()) {
      at += channel.write(buffer, at);
    }
    written += to - from;
  }

  /** Sets the file's length to what was given (a trailing hole included); returns its SHA-256 (hex). */
  public String finish() throws IOException {
    if (channel.size() < position) {
      channel.write(ByteBuffer.wrap(ZEROS, 0, 1), position - 1);
    }
    return HexFormat.of().formatHex(sha256.digest());
  }

  /** Writes the file's data to disk (and the metadata needed to read it back). */
  void sync() throws IOException {
    channel.force(false);
  }

  /** Bytes given so far. */
  long size() {
    return position;
  }

  /** Bytes actually written (the rest are holes). */
  long written() {
    return written;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
