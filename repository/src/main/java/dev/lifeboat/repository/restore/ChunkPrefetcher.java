package dev.lifeboat.repository.restore;

import dev.lifeboat.repository.ChunkStore;
import dev.lifeboat.repository.ChunkStore.ChunkRef;
import dev.lifeboat.repository.pack.ChunkIndex;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Hands out the chunks of a restore in the order they are written, fetching ahead of the writer on an
 * executor: a read from an object store is mostly waiting, and small files have one chunk each, so
 * fetching only within a file would leave the store idle. The chunks fetched and not yet taken hold
 * at most {@code budget} bytes (one chunk whatever its size), so many small chunks are fetched side
 * by side and few large ones. A chunk repeated within the window (the zero chunks of a sparse file)
 * is fetched once. The chunks a refill adds are sorted by pack and offset, and those of one pack lying
 * within {@value #MAX_GAP} bytes of each other (the small files of a snapshot, and files a backup's
 * threads wrote side by side) are read with one ranged read of up to {@value #MAX_READ} bytes, each
 * opened on its own (a damaged one fails alone): an object store charges a request far more than a few
 * hundred KiB read past. The window is refilled once it is half empty, so that such runs are read
 * together rather than one by one as each chunk is taken. With no executor, each chunk is fetched on
 * the calling thread when it is needed.
 *
 * <p>The caller takes exactly the chunks of the order it gave, each once: those of a file it gives
 * up on are {@link #skip skipped}. Not thread-safe.
 */
public final class ChunkPrefetcher {
  /** At most this much is read from a pack at once for chunks stored side by side. */
  static final int MAX_READ = 4 << 20;
  static final int MAX_CHUNKS_PER_READ = 512;
  /** Chunks of a pack at most this far apart are read together, the bytes between them read and dropped. */
  static final int MAX_GAP = 256 << 10;

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
    if (!window.isEmpty() && windowBytes > budget / 2) {
      return; // refill in bulk, so that chunks side by side in a pack are read together
    }
    List<Adjacent> located = new ArrayList<>();
    while (upcoming != null || order.hasNext()) {
      if (upcoming == null) {
        upcoming = order.next();
      }
      if (!window.isEmpty() && windowBytes + upcoming.size() > budget) {
        break;
      }
      String id = upcoming.id();
      CompletableFuture<byte[]> data = null;
      for (Fetch queued : window) {
        if (queued.id().equals(id)) {
          data = queued.data();
        }
      }
      if (data == null) {
        data = new CompletableFuture<>();
        ChunkIndex.Location at = locate(id);
        if (at == null) {
          submit(List.of(new Adjacent(id, null, data))); // read alone: its own read says what is wrong
        } else {
          located.add(new Adjacent(id, at, data));
        }
      }
      window.add(new Fetch(id, upcoming.size(), data));
      windowBytes += upcoming.size();
      upcoming = null;
    }
    located.sort(Comparator.comparing((Adjacent a) -> a.at().pack()).thenComparingLong(a -> a.at().offset()));
    List<Adjacent> run = new ArrayList<>();
    for (Adjacent chunk : located) {
      if (!run.isEmpty() && !follows(run, chunk.at())) {
        submit(run);
        run = new ArrayList<>();
      }
      run.add(chunk);
    }
    submit(run);
  }

  /** A chunk to fetch, where it is stored (null: unknown), and where its plaintext goes. */
  private record Adjacent(String id, ChunkIndex.Location at, CompletableFuture<byte[]> data) {}

  private ChunkIndex.Location locate(String id) {
    try {
      return chunks.locate(id);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * Whether {@code at} is stored after the run's last chunk in the same pack, at most {@value #MAX_GAP}
   * bytes past its end, and the run may grow.
   */
  private static boolean follows(List<Adjacent> run, ChunkIndex.Location at) {
    ChunkIndex.Location last = run.get(run.size() - 1).at();
    long first = run.get(0).at().offset();
    long end = (long) last.offset() + last.length();
    return last.pack().equals(at.pack()) && at.offset() >= end && at.offset() - end <= MAX_GAP
        && at.offset() + (long) at.length() - first <= MAX_READ && run.size() < MAX_CHUNKS_PER_READ;
  }

  /** Reads a run: one chunk with {@link ChunkStore#get}, several side by side with one ranged read. */
  private void submit(List<Adjacent> run) {
    if (run.isEmpty()) {
      return;
    }
    if (run.size() == 1) {
      Adjacent one = run.get(0);
      executor.execute(() -> complete(one.data(), () -> chunks.get(one.id())));
      return;
    }
    executor.execute(() -> {
      long offset = run.get(0).at().offset();
      ChunkIndex.Location last = run.get(run.size() - 1).at();
      int length = (int) (last.offset() + (long) last.length() - offset);
      Optional<byte[]> range;
      try {
        range = chunks.readPackRange(run.get(0).at().pack(), offset, length);
      } catch (RuntimeException e) {
        range = Optional.empty(); // each chunk alone then, each with its own error
      }
      byte[] bytes = range.filter(r -> r.length == length).orElse(null);
      for (Adjacent chunk : run) {
        if (bytes == null) {
          // the pack is gone (a collection moved the chunks) or short: each chunk alone, as get() handles it
          complete(chunk.data(), () -> chunks.get(chunk.id()));
        } else {
          int from = (int) (chunk.at().offset() - offset);
          byte[] sealed = Arrays.copyOfRange(bytes, from, from + chunk.at().length());
          complete(chunk.data(), () -> chunks.codec().open(chunk.id(), sealed));
        }
      }
    });
  }

  private static void complete(CompletableFuture<byte[]> data, Supplier<byte[]> read) {
    try {
      data.complete(read.get());
    } catch (RuntimeException | Error e) {
      data.completeExceptionally(e);
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
