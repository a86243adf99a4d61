package dev.lifeboat.repository;

import dev.lifeboat.repository.ChunkStore.MissingChunkException;
import dev.lifeboat.repository.blob.BlobInfo;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.chunk.ChunkCodec;
import dev.lifeboat.repository.pack.ChunkIndex;
import dev.lifeboat.repository.pack.IndexFile;
import dev.lifeboat.repository.pack.Pack;
import dev.lifeboat.repository.pack.PackCorruptedException;
import dev.lifeboat.repository.pack.PackEntry;
import dev.lifeboat.repository.pack.PackFormat;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads what a repository's store says about its chunks: the index files, and the headers of packs no
 * index file lists. Objects listed under {@code index/} or {@code packs/} that are not named like
 * ours are left alone (the embedded S3 server lists an object being uploaded under a temporary name).
 */
final class IndexReader {
  private static final Logger log = LoggerFactory.getLogger(IndexReader.class);

  private final BlobStore store;
  private final ChunkCodec codec;
  /** Packs found missing on a read: index entries naming them are ignored, so another copy is used. */
  private final Set<String> gonePacks;

  IndexReader(BlobStore store, ChunkCodec codec, Set<String> gonePacks) {
    this.store = store;
    this.codec = codec;
    this.gonePacks = gonePacks;
  }

  /** The keys of the index files in the store. */
  List<String> indexFiles() {
    List<String> keys = new ArrayList<>();
    store.list(IndexFile.PREFIX, info -> {
      if (IndexFile.isKey(info.key())) {
        keys.add(info.key());
      }
    });
    return keys;
  }

  /**
   * Reads index files into {@code into}, adding each one read to {@code read}. A file that does not
   * open (a flipped bit, a truncated upload, another repository's key) is added to {@code damaged} and
   * to {@code read}, so it is not read again, and its packs count as listed by no index: they are found
   * by {@link #unlistedPacks} from their own headers, as a writer's unindexed packs are. One damaged
   * file must not make the whole repository unreadable.
   *
   * <p>Up to {@link #PARALLEL_READS} files are fetched and opened at once (an object store answers each
   * GET in tens of milliseconds; ten thousand small files one after another took minutes); they are
   * added to the index on the calling thread, in the listing's order, and at most twice that many
   * opened files wait for it, so memory stays bounded whatever the number of files. The first failure
   * to read one (after the store's retries) is thrown once the reads under way have ended.
   */
  void read(ChunkIndex into, List<String> keys, Set<String> read, Set<String> damaged) {
    if (keys.size() <= 1) {
      keys.forEach(key -> add(into, key, fetch(key), read, damaged));
      return;
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(PARALLEL_READS, keys.size()), READERS);
    Deque<Future<Fetched>> window = new ArrayDeque<>();
    try {
      int next = 0;
      while (next < keys.size() || !window.isEmpty()) {
        while (next < keys.size() && window.size() < 2 * PARALLEL_READS) {
          String key = keys.get(next++);
          window.add(pool.submit(() -> fetch(key)));
        }
        Fetched fetched = await(window.poll());
        add(into, fetched.key(), fetched, read, damaged);
      }
    } finally {
      window.forEach(f -> f.cancel(true));
      pool.shutdownNow();
    }
  }

  /** How many index files are read at once. */
  static final int PARALLEL_READS = 8;
  private static final ThreadFactory READERS = runnable -> {
    Thread thread = new Thread(runnable, "lifeboat-index-reader");
    thread.setDaemon(true);
    return thread;
  };

  /** One index file as read: gone (null listing, not damaged), damaged (the reason), or its listing. */
  private record Fetched(String key, IndexFile.Listing listing, String damage) {}

  private Fetched fetch(String key) {
    Optional<byte[]> bytes = store.get(key);
    if (bytes.isEmpty()) {
      return new Fetched(key, null, null); // replaced by garbage collection since the listing
    }
    try {
      return new Fetched(key, IndexFile.read(key, bytes.get(), codec), null);
    } catch (RuntimeException e) {
      return new Fetched(key, null, e.getMessage());
    }
  }

  private static Fetched await(Future<Fetched> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the index", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  private void add(ChunkIndex into, String key, Fetched fetched, Set<String> read, Set<String> damaged) {
    if (fetched.damage() != null) {
      log.error("Index file {} in {} is damaged and is left out; the packs it lists are read from their own headers"
          + " (lifeboat check names it): {}", key, store.describe(), fetched.damage());
      damaged.add(key);
      read.add(key);
      return;
    }
    if (fetched.listing() == null) {
      return;
    }
    fetched.listing().forEachPack((pack, entries) -> {
      if (!gonePacks.contains(pack)) {
        into.addPack(pack, entries, false);
      }
    });
    read.add(key);
  }

  /** The packs in the store that {@code index} does not know, with their chunks as their headers list them. */
  Map<String, List<PackEntry>> unlistedPacks(ChunkIndex index) {
    Map<String, List<PackEntry>> found = new LinkedHashMap<>();
    store.list(Pack.PREFIX, info -> {
      String name = Pack.nameOf(info.key());
      if (Pack.isKey(info.key()) && !index.hasPack(name)) {
        try {
          found.put(name, readHeader(info));
        } catch (RuntimeException e) {
          log.warn("Pack {} in {} is listed in no index and its header cannot be read, so its chunks are not reused: {}",
              name, store.describe(), e.toString());
        }
      }
    });
    return found;
  }

  /** The chunks of a pack, from its own header. */
  List<PackEntry> readHeader(BlobInfo pack) {
    return PackFormat.readHeader(store, pack.key(), pack.size(), codec)
        .orElseThrow(() -> new MissingChunkException("pack " + Pack.nameOf(pack.key()), store.describe()));
  }

}
