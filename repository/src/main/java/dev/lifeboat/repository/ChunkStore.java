package dev.lifeboat.repository;

import dev.lifeboat.repository.blob.BlobInfo;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.chunk.ChunkCodec;
import dev.lifeboat.repository.chunk.ChunkCorruptedException;
import dev.lifeboat.repository.pack.ChunkIndex;
import dev.lifeboat.repository.pack.IndexFile;
import dev.lifeboat.repository.pack.Pack;
import dev.lifeboat.repository.pack.PackEntry;
import dev.lifeboat.repository.pack.PackFormat;
import dev.lifeboat.retry.PermanentFailure;
import dev.lifeboat.retry.RetriableFailure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Content-addressed chunks, packed: sealed chunks are gathered into packs of about {@code packSize}
 * bytes ({@code packs/ab/<sha256>}), and index files ({@code index/<sha256>}) say which pack holds
 * which chunk. Object stores charge per request and small objects are slow to write, so a pack of a
 * thousand small files' chunks is one upload, not a thousand, and knowing what exists costs no
 * request at all: the index is loaded once and kept in memory ({@link ChunkIndex}).
 *
 * <p>{@link #put} accepts a chunk: it is sealed (compressed, encrypted) on the calling thread and
 * added to the open pack; the thread that fills a pack uploads it, so uploads run in parallel on the
 * callers' threads. {@link #flush} uploads what is still open, waits for every upload in progress and
 * writes the index of the packs uploaded since the last index: when it returns, every chunk accepted
 * before it was called can be read by anyone. {@link ManifestStore#write} flushes before it writes a
 * manifest, so a manifest never names a chunk that is not stored.
 *
 * <p>A pack whose upload fails is kept and uploaded again by the next {@link #flush}; its chunks stay
 * accepted meanwhile, so a retried snapshot does not seal them again. A process killed between a
 * pack's upload and its index loses nothing: {@link #load} indexes packs no index file lists, from
 * their own headers, and a restarted snapshot reuses their chunks.
 *
 * <p>Why this class is longer than most: the open pack, the uploads in flight, the unindexed packs
 * and the index are one piece of state under one lock (packLock); split across classes, the order
 * "uploaded, then indexed, then visible to manifests" would be enforced by convention only.
 */
public final class ChunkStore {
  private static final Logger log = LoggerFactory.getLogger(ChunkStore.class);
  /** Default target pack size. */
  public static final int DEFAULT_PACK_SIZE = 8 * 1024 * 1024;
  /** An index file is written after this many packs even without a flush, so a crash loses little indexing. */
  static final int PACKS_PER_INDEX = 16;

  private final BlobStore store;
  private final ChunkCodec codec;
  private final int packSize;
  private final ChunkIndex index = new ChunkIndex();
  private final Set<String> loadedIndexFiles = ConcurrentHashMap.newKeySet();
  /** Deletion plans read: the chunks they plan to delete are not reused (a fresh copy is stored). */
  private final KnownPlans plans;
  private final IndexReader reader;
  /** Packs found missing on a read: index entries naming them are ignored, so another copy is used. */
  private final Set<String> gonePacks = ConcurrentHashMap.newKeySet();
  /** Index files that did not open: left out, their packs indexed from their headers. */
  private final Set<String> damagedIndexFiles = ConcurrentHashMap.newKeySet();
  /** Chunks accepted whose pack is not uploaded yet. */
  private final Set<String> pending = ConcurrentHashMap.newKeySet();
  /**
   * Puts between accepting a chunk and adding it to the open pack (sealing it). Another writer may
   * reuse such a chunk at once, so {@link #flush} waits for them before it looks at the open pack.
   */
  private final Set<CompletableFuture<Void>> sealing = ConcurrentHashMap.newKeySet();
  private final Object packLock = new Object();
  private PackFormat.Builder open;
  /** Packs sealed but not stored: an upload failed (or one is about to start). Guarded by packLock. */
  private final List<Pack> waiting = new ArrayList<>();
  /** Uploads in progress. Guarded by packLock when added. */
  private final Set<CompletableFuture<Void>> inFlight = ConcurrentHashMap.newKeySet();
  /** Packs uploaded that no index file lists yet. Guarded by itself. */
  private final Map<String, List<PackEntry>> unindexed = new LinkedHashMap<>();
  private final Object indexWrite = new Object();
  private final Counter uploaded;
  private final Counter uploadedBytes;
  private final Counter deduplicated;
  private final Counter packsUploaded;

  ChunkStore(BlobStore store, ChunkCodec codec, int packSize, MeterRegistry meters) {
    this.store = store;
    this.codec = codec;
    this.packSize = packSize;
    this.plans = new KnownPlans(store, codec);
    this.reader = new IndexReader(store, codec, gonePacks);
    this.uploaded = meters.counter("lifeboat.repository.chunks", "outcome", "uploaded");
    this.deduplicated = meters.counter("lifeboat.repository.chunks", "outcome", "deduplicated");
    this.uploadedBytes = meters.counter("lifeboat.repository.uploaded.bytes");
    this.packsUploaded = meters.counter("lifeboat.repository.packs.uploaded");
    // one per repository copy a process opens (the snapshotter's primary, the verifier's off-region copies)
    Gauge.builder("lifeboat.repository.index.damaged", damagedIndexFiles, Set::size).tag("store", store.describe())
        .description("Index files left out because they do not open").register(meters);
    Gauge.builder("lifeboat.repository.index.chunks", this, s -> s.index.size()).tag("store", store.describe())
        .description("Chunks in the loaded index of a repository").register(meters);
  }

  /** A chunk as a manifest names it. */
  public record ChunkRef(String id, int size) {}

  /**
   * What storing one chunk did.
   *
   * @param uploaded whether the chunk was new to the repository (sealed and packed for upload)
   * @param storedBytes its sealed size, when new
   */
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

  /**
   * Reads every index file, then indexes the packs none of them lists (uploaded by a writer that
   * stopped before writing their index) from the packs' headers, and writes an index for those. The
   * index is read again in place ({@link ChunkIndex#rebuild}): other threads' lookups and the packs
   * this store uploads meanwhile wait until it is complete. A second index built aside would double
   * the memory the index needs (ten million chunks: 530 MiB) exactly when a collection has just run.
   */
  synchronized void load() {
    Set<String> files = ConcurrentHashMap.newKeySet();
    Map<String, List<PackEntry>> recovered = new LinkedHashMap<>();
    plans.refresh();
    List<String> listed = reader.indexFiles();
    loadedIndexFiles.clear(); // a load that fails leaves a refresh to read every file again
    index.rebuild(fresh -> {
      reader.read(fresh, listed, files, damagedIndexFiles);
      recovered.putAll(reader.unlistedPacks(fresh));
      recovered.forEach((name, entries) -> fresh.addPack(name, entries, false));
    });
    loadedIndexFiles.addAll(files);
    if (!recovered.isEmpty()) {
      synchronized (unindexed) {
        unindexed.putAll(recovered);
      }
      log.info("Indexed {} packs that no index listed in {} (a writer stopped before indexing them)", recovered.size(),
          store.describe());
      try {
        writeIndex();
      } catch (RuntimeException e) {
        log.warn("Could not write the index of the recovered packs in {} yet: {}", store.describe(), e.toString());
      }
    }
  }

  /**
   * Reads the index again from the store (after garbage collection moved chunks to other packs or
   * deleted them), recovering unindexed packs as {@link #load} does.
   */
  public synchronized void reload() {
    plans.clear();
    load();
  }

  /**
   * Reads index files and deletion plans written since the last look (by other writers and by
   * garbage collection); returns how many index files were new. If an index file read before is gone,
   * a garbage collection has replaced the index and may have deleted chunks this index still holds:
   * the whole index is read again. Snapshots call it when they start.
   */
  public synchronized int refresh() {
    plans.refresh();
    Set<String> known = Set.copyOf(loadedIndexFiles);
    List<String> listed = reader.indexFiles();
    List<String> fresh = listed.stream().filter(key -> !known.contains(key)).toList();
    if (!new HashSet<>(listed).containsAll(known)) {
      log.info("Index files of {} were replaced by a garbage collection: reading the index again", store.describe());
      load();
      return fresh.size();
    }
    int damagedBefore = damagedIndexFiles.size();
    reader.read(index, fresh, loadedIndexFiles, damagedIndexFiles);
    if (damagedIndexFiles.size() > damagedBefore) {
      load(); // the packs a damaged file listed are indexed from their headers
    }
    return fresh.size();
  }

  /** The deletion plans this store has read. */
  KnownPlans plans() {
    return plans;
  }

  /** The chunks of a pack, from its own header. */
  public List<PackEntry> readHeader(BlobInfo pack) {
    return reader.readHeader(pack);
  }

  /**
   * Accepts a chunk unless the repository has it. A new chunk is readable by others only after
   * {@link #flush}; the manifest store flushes before writing a manifest.
   */
  public Put put(byte[] plaintext) {
    String id = codec.id(plaintext);
    ChunkRef ref = new ChunkRef(id, plaintext.length);
    if ((index.contains(id) && !plans.planned(id)) || !pending.add(id)) {
      deduplicated.increment();
      return new Put(ref, false, 0);
    }
    CompletableFuture<Void> added = new CompletableFuture<>();
    sealing.add(added);
    byte[] sealed;
    PackFormat.Builder full = null;
    CompletableFuture<Void> upload = null;
    try {
      sealed = codec.seal(id, plaintext);
      synchronized (packLock) {
        if (open == null) {
          open = new PackFormat.Builder(packSize + sealed.length);
        }
        open.add(id, sealed, plaintext.length);
        if (open.size() >= packSize) {
          full = open;
          open = null;
          upload = new CompletableFuture<>();
          inFlight.add(upload);
        }
      }
      added.complete(null);
    } catch (RuntimeException | Error e) {
      pending.remove(id);
      added.completeExceptionally(e);
      throw e;
    } finally {
      sealing.remove(added);
    }
    uploaded.increment();
    uploadedBytes.increment(sealed.length);
    if (full != null) {
      upload(full.finish(codec), upload);
    }
    return new Put(ref, true, sealed.length);
  }

  /**
   * Adds a chunk's sealed bytes, as read from another pack, to the open pack: garbage collection
   * moving the chunks still needed out of a pack it deletes. Indexed at its new place once uploaded.
   */
  public void putSealed(PackEntry entry, byte[] sealed) {
    PackFormat.Builder full = null;
    CompletableFuture<Void> upload = null;
    synchronized (packLock) {
      if (open == null) {
        open = new PackFormat.Builder(packSize + sealed.length);
      }
      open.add(entry.id(), sealed, entry.size());
      if (open.size() >= packSize) {
        full = open;
        open = null;
        upload = new CompletableFuture<>();
        inFlight.add(upload);
      }
    }
    if (full != null) {
      upload(full.finish(codec), upload);
    }
  }

  /** A chunk's sealed bytes as stored in its pack, unopened. */
  public byte[] readSealed(String pack, PackEntry entry) {
    byte[] sealed = store.getRange(Pack.key(pack), entry.offset(), entry.length())
        .orElseThrow(() -> new MissingChunkException(entry.id(), store.describe() + " (its pack " + pack + " is gone)"));
    if (sealed.length != entry.length()) {
      throw new ChunkCorruptedException(entry.id(), "its pack " + pack + " ends before the chunk does", null);
    }
    return sealed;
  }

  /**
   * Writes index files listing every chunk the in-memory index holds, except those in {@code dropped}
   * packs, at most {@link #ENTRIES_PER_WHOLE_INDEX_FILE} chunks each (a reader holds one file's bytes
   * at a time, not the whole index's); returns their keys. Garbage collection writes them before
   * deleting the index files they replace.
   */
  public Set<String> writeWholeIndex(Set<String> dropped) {
    return writeWholeIndex(dropped, ENTRIES_PER_WHOLE_INDEX_FILE);
  }

  Set<String> writeWholeIndex(Set<String> dropped, int perFile) {
    Set<String> written = new LinkedHashSet<>();
    Map<String, List<PackEntry>> batch = new LinkedHashMap<>();
    int[] entries = {0};
    index.forEach((number, pack, entry) -> {
      if (!dropped.contains(pack)) {
        batch.computeIfAbsent(pack, p -> new ArrayList<>()).add(entry);
        if (++entries[0] >= perFile) {
          written.add(writeIndexFile(batch));
          batch.clear();
          entries[0] = 0;
        }
      }
    });
    if (!batch.isEmpty() || written.isEmpty()) {
      written.add(writeIndexFile(batch));
    }
    return written;
  }

  /** Chunks an index file written by {@link #writeWholeIndex} lists at most: about 4.4 MB. */
  static final int ENTRIES_PER_WHOLE_INDEX_FILE = 100_000;

  private String writeIndexFile(Map<String, List<PackEntry>> packs) {
    IndexFile.Encoded encoded = IndexFile.encode(packs, codec);
    store.putIfAbsent(encoded.key(), encoded.bytes());
    loadedIndexFiles.add(encoded.key());
    return encoded.key();
  }

  /**
   * Uploads the open pack and every pack waiting, waits for uploads in progress, and writes the index
   * of what was uploaded: afterwards every chunk accepted before the call is stored and indexed.
   */
  public void flush() {
    awaitSealing();
    List<CompletableFuture<Void>> running;
    List<Pack> retry;
    PackFormat.Builder last;
    synchronized (packLock) {
      running = List.copyOf(inFlight);
      last = open;
      open = null;
      retry = new ArrayList<>(waiting);
      waiting.clear();
    }
    if (last != null && !last.isEmpty()) {
      retry.add(last.finish(codec));
    }
    RuntimeException failure = uploadAll(retry);
    for (CompletableFuture<Void> upload : running) {
      try {
        upload.join();
      } catch (CompletionException e) {
        // that pack is waiting again: upload it here, since a chunk this caller reused may be in it
        List<Pack> again;
        synchronized (packLock) {
          again = new ArrayList<>(waiting);
          waiting.clear();
        }
        RuntimeException retried = uploadAll(again);
        failure = failure == null ? retried : failure;
      }
    }
    if (failure != null) {
      throw failure;
    }
    writeIndex();
  }

  /**
   * Waits for the chunks other writers were sealing when the flush began: the caller may have reused
   * one of them. If one of those puts failed, the chunk is in no pack and the caller may have named
   * it, so the flush fails (retriable: the retried snapshot puts the chunk itself).
   */
  private void awaitSealing() {
    for (CompletableFuture<Void> added : List.copyOf(sealing)) {
      try {
        added.join();
      } catch (CompletionException e) {
        throw new RetriableFailure("A chunk another writer was adding to " + store.describe()
            + " failed to seal, and this writer may have reused it: put the snapshot's chunks again", e.getCause());
      }
    }
  }

  private RuntimeException uploadAll(List<Pack> packs) {
    RuntimeException failure = null;
    for (Pack pack : packs) {
      if (failure != null) {
        synchronized (packLock) {
          waiting.add(pack);
        }
        continue;
      }
      CompletableFuture<Void> upload = new CompletableFuture<>();
      synchronized (packLock) {
        inFlight.add(upload);
      }
      try {
        upload(pack, upload);
      } catch (RuntimeException e) {
        failure = e;
      }
    }
    return failure;
  }

  private void upload(Pack pack, CompletableFuture<Void> done) {
    try {
      store.putIfAbsent(pack.key(), pack.bytes());
      packsUploaded.increment();
      index.addPack(pack.name(), pack.entries(), true); // waits while the index is read again
      for (PackEntry e : pack.entries()) {
        pending.remove(e.id());
      }
      boolean indexNow;
      synchronized (unindexed) {
        unindexed.put(pack.name(), pack.entries());
        indexNow = unindexed.size() >= PACKS_PER_INDEX;
      }
      done.complete(null);
      if (indexNow) {
        try {
          writeIndex();
        } catch (RuntimeException e) {
          log.warn("Could not write an index in {} yet (the next flush tries again): {}", store.describe(), e.toString());
        }
      }
    } catch (RuntimeException e) {
      synchronized (packLock) {
        waiting.add(pack);
      }
      done.completeExceptionally(e);
      throw e;
    } finally {
      inFlight.remove(done);
    }
  }

  /**
   * Writes one index file for every pack uploaded and not yet indexed. One index write at a time: a
   * flush that finds another thread's index write under way waits for it, so that flush returns only
   * when its packs are indexed.
   */
  private void writeIndex() {
    synchronized (indexWrite) {
      writeIndexNow();
    }
  }

  private void writeIndexNow() {
    Map<String, List<PackEntry>> packs;
    synchronized (unindexed) {
      if (unindexed.isEmpty()) {
        return;
      }
      packs = new LinkedHashMap<>(unindexed);
      unindexed.clear();
    }
    try {
      IndexFile.Encoded encoded = IndexFile.encode(packs, codec);
      store.putIfAbsent(encoded.key(), encoded.bytes());
      loadedIndexFiles.add(encoded.key());
    } catch (RuntimeException e) {
      synchronized (unindexed) {
        packs.putAll(unindexed);
        unindexed.clear();
        unindexed.putAll(packs);
      }
      throw e;
    }
  }

  /**
   * The plaintext of a chunk; {@link ChunkCorruptedException} if it is damaged, {@link
   * MissingChunkException} if no pack holds it.
   */
  public byte[] get(String id) {
    ChunkIndex.Location found = locate(id);
    Optional<byte[]> read = store.getRange(Pack.key(found.pack()), found.offset(), found.length());
    if (read.isEmpty()) {
      // garbage collection may have moved the chunk to another pack since the index was read
      gonePacks.add(found.pack());
      reload();
      found = locate(id);
      read = store.getRange(Pack.key(found.pack()), found.offset(), found.length());
    }
    ChunkIndex.Location at = found;
    byte[] sealed = read.orElseThrow(() -> new MissingChunkException(id, store.describe() + " (its pack " + at.pack() + " is gone)"));
    if (sealed.length != at.length()) {
      throw new ChunkCorruptedException(id, "its pack " + at.pack() + " ends " + (at.length() - sealed.length)
          + " bytes before the chunk does", null);
    }
    return codec.open(id, sealed);
  }

  /** How many puts are sealing a chunk right now (for tests). */
  int sealingNow() {
    return sealing.size();
  }

  /** Where a chunk is stored; {@link MissingChunkException} if nowhere. */
  public ChunkIndex.Location locate(String id) {
    ChunkIndex.Location at = index.get(id);
    if (at == null && pending.contains(id)) {
      flush();
      at = index.get(id);
    }
    if (at == null) {
      refresh();
      at = index.get(id);
    }
    if (at == null) {
      throw new MissingChunkException(id, store.describe());
    }
    return at;
  }

  public boolean exists(String id) {
    if (index.contains(id)) {
      return true;
    }
    refresh();
    return index.contains(id);
  }

  /** The in-memory index of this store (what garbage collection marks and sweeps against). */
  public ChunkIndex index() {
    return index;
  }

  /** Index files that did not open and were left out (their packs were indexed from their headers). */
  public Set<String> damagedIndexFiles() {
    return Set.copyOf(damagedIndexFiles);
  }

  /** Index files this store has read or written. */
  public Set<String> indexFiles() {
    return Set.copyOf(loadedIndexFiles);
  }


  BlobStore store() {
    return store;
  }

  /**
   * {@code length} bytes of a pack from {@code offset}, in one ranged read (several chunks stored side
   * by side); empty if the pack is gone.
   */
  public Optional<byte[]> readPackRange(String pack, long offset, int length) {
    return store.getRange(Pack.key(pack), offset, length);
  }

  /** How chunks, packs' headers, index files and plans of this repository are sealed. */
  public ChunkCodec codec() {
    return codec;
  }

  /** A chunk a manifest names is not in the store. */
  public static final class MissingChunkException extends PermanentFailure {
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
