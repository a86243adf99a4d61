package dev.lifeboat.repository.restore;

import dev.lifeboat.repository.ChunkStore;
import dev.lifeboat.repository.ChunkStore.ChunkRef;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Hands out the chunks of a restore in the order they are written, fetching ahead of the writer on an
 * executor: a read from an object store is mostly waiting, and small files have one chunk each, so
 * fetching only within a file would leave the store idle. The chunks fetched and not yet taken hold
 * at most {@code budget} bytes (one chunk whatever its size), so many small chunks are fetched side
 * by side and few large ones. A chunk repeated within the window (the zero chunks of a sparse file)
 * is fetched once. With no executor, each chunk is fetched on the calling thread when it is needed.
 *
 * <p>The caller takes exactly the chunks of the order it gave, each once: those of a file it gives
 * up on are {@link #skip skipped}. Not thread-safe.
 */
public final class ChunkPrefetcher {
  private record Fetch(String id, int size, CompletableFuture<byte[]> data) {}

  private final ChunkStore chunks;
  private final Executor executor;
  private final long budget;
  private final Iterator<ChunkRef> order;
  private final Deque<Fetch> window = new ArrayDeque<>();
  private long windowBytes;
  private ChunkRef upcoming;

  public ChunkPrefetcher(ChunkStore chunks, Executor executor, long budget, Iterator<ChunkRef> order) {
    this.chunks = chunks;
    this.executor = executor;
    this.budget = budget;
    this.order = order;
  }

  /**
   * The plaintext of the next chunk, which must be {@code expected}; the store's exception (a damaged
   * or missing chunk) if it could not be read.
   */
  public byte[] next(ChunkRef expected) {
    if (executor == null) {
      ChunkRef ref = order.next();
      check(ref.id(), expected);
      return chunks.get(ref.id());
    }
    fill();
    Fetch fetch = take();
    if (fetch == null) {
      throw new IllegalStateException("chunk " + expected.id() + " was not in the restore's order");
    }
    check(fetch.id(), expected);
    try {
      return fetch.data().join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  /** Passes over the next {@code count} chunks without needing them. */
  public void skip(int count) {
    for (int i = 0; i < count; i++) {
      if (executor == null) {
        order.next();
      } else {
        fill();
        take();
      }
    }
  }

  private void fill() {
    while (upcoming != null || order.hasNext()) {
      if (upcoming == null) {
        upcoming = order.next();
      }
      if (!window.isEmpty() && windowBytes + upcoming.size() > budget) {
        return;
      }
      String id = upcoming.id();
      CompletableFuture<byte[]> data = null;
      for (Fetch queued : window) {
        if (queued.id().equals(id)) {
          data = queued.data();
        }
      }
      if (data == null) {
        data = CompletableFuture.supplyAsync(() -> chunks.get(id), executor);
      }
      window.add(new Fetch(id, upcoming.size(), data));
      windowBytes += upcoming.size();
      upcoming = null;
    }
  }

  private Fetch take() {
    Fetch fetch = window.poll();
    if (fetch != null) {
      windowBytes -= fetch.size();
    }
    return fetch;
  }

  private static void check(String id, ChunkRef expected) {
    if (!id.equals(expected.id())) {
      throw new IllegalStateException("restore out of order: expected chunk " + expected.id() + ", next is " + id);
    }
  }
}
