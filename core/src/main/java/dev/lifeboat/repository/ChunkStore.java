package dev.lifeboat.repository;

import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.chunk.ChunkCodec;
import dev.lifeboat.repository.chunk.ChunkCorruptedException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Content-addressed chunks on a {@link BlobStore}: {@code chunks/<first two hex digits>/<id>}. A
 * chunk whose id this process has already seen, or that the store already has, is not uploaded
 * again. Reads authenticate and re-hash every chunk.
 */
public final class ChunkStore {
  static final String PREFIX = "chunks/";

  private final BlobStore store;
  private final ChunkCodec codec;
  private final Set<String> known = ConcurrentHashMap.newKeySet();
  private final Counter uploaded;
  private final Counter uploadedBytes;
  private final Counter deduplicated;

  ChunkStore(BlobStore store, ChunkCodec codec, MeterRegistry meters) {
    this.store = store;
    this.codec = codec;
    this.uploaded = meters.counter("lifeboat.repository.chunks", "outcome", "uploaded");
    this.deduplicated = meters.counter("lifeboat.repository.chunks", "outcome", "deduplicated");
    this.uploadedBytes = meters.counter("lifeboat.repository.uploaded.bytes");
  }

  /** A chunk as a manifest names it. */
  public record ChunkRef(String id, int size) {}

  /** What storing one chunk did. */
  public record Put(ChunkRef ref, boolean uploaded, long storedBytes) {}

  /** Chunks stored in the background, in order, and what storing them uploaded. */
  public record Stored(List<ChunkRef> refs, long newChunks, long newBytes) {

    /** Waits for every upload; the first failure is thrown as it was raised. */
    public static Stored await(List<CompletableFuture<Put>> puts) {
      List<ChunkRef> refs = new ArrayList<>(puts.size());
      long newChunks = 0;
      long newBytes = 0;
      for (CompletableFuture<Put> put : puts) {
        Put done = join(put);
        refs.add(done.ref());
        if (done.uploaded()) {
          newChunks++;
          newBytes += done.storedBytes();
        }
      }
      return new Stored(List.copyOf(refs), newChunks, newBytes);
    }

    /** The upload's result, or its own exception rather than a CompletionException. */
    public static Put join(CompletableFuture<Put> put) {
      try {
        return put.join();
      } catch (CompletionException e) {
        if (e.getCause() instanceof RuntimeException r) {
          throw r;
        }
        throw e;
      }
    }
  }

  public static String key(String id) {
    return PREFIX + id.substring(0, 2) + "/" + id;
  }

  /** Stores a chunk unless it exists; returns once it is in the store (so a manifest may name it). */
  public Put put(byte[] plaintext) {
    String id = codec.id(plaintext);
    ChunkRef ref = new ChunkRef(id, plaintext.length);
    if (known.contains(id)) {
      deduplicated.increment();
      return new Put(ref, false, 0);
    }
    byte[] sealed = codec.seal(id, plaintext);
    boolean written = store.putIfAbsent(key(id), sealed);
    known.add(id);
    if (written) {
      uploaded.increment();
      uploadedBytes.increment(sealed.length);
    } else {
      deduplicated.increment();
    }
    return new Put(ref, written, written ? sealed.length : 0);
  }

  /** The plaintext of a chunk; {@link ChunkCorruptedException} if it is damaged, {@link MissingChunkException} if gone. */
  public byte[] get(String id) {
    byte[] stored = store.get(key(id)).orElseThrow(() -> new MissingChunkException(id, store.describe()));
    return codec.open(id, stored);
  }

  public boolean exists(String id) {
    return known.contains(id) || store.stat(key(id)).isPresent();
  }

  BlobStore store() {
    return store;
  }

  /** A chunk a manifest names is not in the store. */
  public static final class MissingChunkException extends dev.lifeboat.retry.PermanentFailure {
    private final String chunkId;

    public MissingChunkException(String id, String where) {
      super("chunk " + id + " is missing from " + where);
      this.chunkId = id;
    }

    public String chunkId() {
      return chunkId;
    }
  }
}
