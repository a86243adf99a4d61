package dev.lifeboat.snapshotter.volume;

import dev.lifeboat.repository.ChunkStore;
import dev.lifeboat.repository.ChunkStore.Put;
import dev.lifeboat.repository.Manifest.FileEntry;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.chunk.FastCdcChunker;
import dev.lifeboat.repository.chunk.Hashing;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;

/**
 * Reads files one after another on the calling thread, cutting each into content-defined chunks and
 * hashing it whole, while the chunks are sealed and uploaded on an executor. Uploads overlap across
 * files (a file's chunks need not be stored before the next file is read), but the chunks waiting or
 * uploading never hold more bytes than {@code inFlight} maximum-size chunks, so memory stays at that
 * plus one read buffer, whatever the volume holds. The bound is in bytes, not in chunks, so that
 * many small chunks (small files) can be uploading at once: an upload is mostly waiting for the
 * store. Not thread-safe: one per snapshot.
 */
final class FileChunker {
  private final ChunkStore chunks;
  private final ChunkerParams params;
  private final Executor uploads;
  private final Semaphore inFlight;
  /** One read buffer per reading thread: files are read side by side. */
  private final ThreadLocal<byte[]> buffers;
  private final AtomicReference<Throwable> failure = new AtomicReference<>();

  FileChunker(ChunkStore chunks, ChunkerParams params, Executor uploads, int inFlight) {
    if (inFlight < 1) {
      throw new IllegalArgumentException("chunks in flight must be at least 1, was " + inFlight);
    }
    this.chunks = chunks;
    this.params = params;
    this.uploads = uploads;
    this.inFlight = new Semaphore((int) Math.min(Integer.MAX_VALUE, (long) inFlight * params.max()));
    // two maximum chunks: the chunker moves leftovers rarely
    this.buffers = ThreadLocal.withInitial(() -> new byte[2 * params.max()]);
  }

  /** A file read (or found unreadable) whose chunks may still be uploading. */
  static final class Pending {
    private final FileEntry entry;
    private final List<CompletableFuture<Put>> puts;
    private final boolean changed;

    private Pending(FileEntry entry, List<CompletableFuture<Put>> puts, boolean changed) {
      this.entry = entry;
      this.puts = puts;
      this.changed = changed;
    }

    /** The file's path in the volume. */
    String path() {
      return entry.path();
    }

    /** The file changed between being listed and the end of its reading (what was read is recorded). */
    boolean changed() {
      return changed;
    }

    /** Waits for the file's chunks to be stored; a failed upload fails the snapshot. */
    Stored await() {
      ChunkStore.Stored stored = ChunkStore.Stored.await(puts);
      if (entry.error() != null) {
        return new Stored(entry, stored.newChunks(), stored.newBytes());
      }
      return new Stored(new FileEntry(entry.path(), entry.type(), entry.mode(), entry.uid(), entry.gid(), entry.size(),
          entry.mtime(), entry.ctime(), entry.inode(), null, entry.sha256(), stored.refs(), null),
          stored.newChunks(), stored.newBytes());
    }
  }

  /** A file's finished entry and what storing it uploaded. */
  record Stored(FileEntry entry, long newChunks, long newBytes) {}

  /**
   * Reads {@code listed} (a regular file as the walk saw it) and starts storing its chunks.
   *
   * @param progress told the length of each chunk read
   */
  Pending read(FileEntry listed, Path file, LongConsumer progress) throws InterruptedException {
    List<CompletableFuture<Put>> puts = new ArrayList<>();
    MessageDigest sha256 = sha256();
    long size = 0;
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      FastCdcChunker chunker = new FastCdcChunker(in, params, buffers.get());
      for (byte[] chunk = chunker.next(); chunk != null; chunk = chunker.next()) {
        Hashing.update(sha256, chunk);
        size += chunk.length;
        inFlight.acquire(chunk.length);
        byte[] data = chunk;
        CompletableFuture<Put> put;
        try {
          put = CompletableFuture.supplyAsync(() -> chunks.put(data), uploads);
        } catch (RuntimeException e) {
          inFlight.release(data.length);
          throw e;
        }
        put.whenComplete((ok, error) -> {
          inFlight.release(data.length);
          if (error != null) {
            failure.compareAndSet(null, error);
          }
        });
        puts.add(put);
        progress.accept(chunk.length);
        failFast();
      }
    } catch (NoSuchFileException e) {
      return new Pending(listed.withError("vanished before it could be read"), puts, false);
    } catch (IOException e) {
      return new Pending(listed.withError("cannot read: " + FileTree.describe(e)), puts, false);
    }
    FileTree.Node after = FileTree.stat(file, listed.path());
    boolean changed = size != listed.size() || after == null || after.failed()
        || after.entry().size() != listed.size()
        || !listed.mtime().equals(after.entry().mtime())
        || !listed.ctime().equals(after.entry().ctime())
        || !listed.inode().equals(after.entry().inode());
    // The metadata is the one listed before reading: if the file changed since, the next snapshot
    // sees a different mtime or ctime and reads it again.
    FileEntry read = new FileEntry(listed.path(), listed.type(), listed.mode(), listed.uid(), listed.gid(), size,
        listed.mtime(), listed.ctime(), listed.inode(), null, HexFormat.of().formatHex(sha256.digest()), null, null);
    return new Pending(read, puts, changed);
  }

  /** Stops reading as soon as any upload has failed: the snapshot cannot complete. */
  private void failFast() {
    Throwable error = failure.get();
    if (error != null) {
      Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
      throw cause instanceof RuntimeException r ? r : new CompletionException(cause);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

}
