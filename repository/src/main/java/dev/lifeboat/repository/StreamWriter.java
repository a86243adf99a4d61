package dev.lifeboat.repository;

import dev.lifeboat.repository.ChunkStore.Put;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.chunk.FastCdcChunker;
import dev.lifeboat.repository.chunk.Hashing;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.function.LongConsumer;

/**
 * Writes a byte stream of any length into the repository as it arrives: the calling thread cuts it
 * into chunks and hashes the whole; chunks are sealed and uploaded on an executor, at most {@code
 * maxPending} at a time, so memory stays bounded (a few maximum-size chunks) however large the
 * stream. Returns only when every chunk is stored, so the result may go into a manifest.
 */
public final class StreamWriter {
  private final ChunkStore chunks;
  private final ChunkerParams params;
  private final ExecutorService uploads;
  private final int maxPending;

  public StreamWriter(ChunkStore chunks, ChunkerParams params, ExecutorService uploads, int maxPending) {
    this.chunks = chunks;
    this.params = params;
    this.uploads = uploads;
    this.maxPending = maxPending;
  }

  /** A written stream and what writing it cost. */
  public record Result(Manifest.Stream stream, long newChunks, long newBytes) {}

  /**
   * @param progress told the number of bytes read so far, after each chunk
   */
  public Result write(String name, InputStream in, LongConsumer progress) throws IOException {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    FastCdcChunker chunker = new FastCdcChunker(in, params);
    Semaphore pending = new Semaphore(maxPending);
    List<CompletableFuture<Put>> puts = new ArrayList<>();
    long size = 0;
    try {
      for (byte[] chunk = chunker.next(); chunk != null; chunk = chunker.next()) {
        Hashing.update(sha256, chunk);
        size += chunk.length;
        pending.acquire();
        byte[] data = chunk;
        CompletableFuture<Put> put = CompletableFuture.supplyAsync(() -> chunks.put(data), uploads);
        put.whenComplete((ok, error) -> pending.release());
        puts.add(put);
        progress.accept(size);
        failFast(puts);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while writing " + name, e);
    }
    ChunkStore.Stored stored = ChunkStore.Stored.await(puts);
    return new Result(new Manifest.Stream(name, size, HexFormat.of().formatHex(sha256.digest()), stored.refs()),
        stored.newChunks(), stored.newBytes());
  }

  private static void failFast(List<CompletableFuture<Put>> puts) {
    for (int i = Math.max(0, puts.size() - 8); i < puts.size(); i++) {
      CompletableFuture<Put> put = puts.get(i);
      if (put.isCompletedExceptionally()) {
        ChunkStore.Stored.join(put);
      }
    }
  }

}
