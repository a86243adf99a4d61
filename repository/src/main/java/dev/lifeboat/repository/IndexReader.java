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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
   */
  void read(ChunkIndex into, List<String> keys, Set<String> read, Set<String> damaged) {
    for (String key : keys) {
      Optional<byte[]> bytes = store.get(key);
      if (bytes.isEmpty()) {
        continue; // replaced by garbage collection since the listing
      }
      Map<String, List<PackEntry>> packs;
      try {
        packs = IndexFile.decode(key, bytes.get(), codec);
      } catch (RuntimeException e) {
        log.error("Index file {} in {} is damaged and is left out; the packs it lists are read from their own headers"
            + " (lifeboat check names it): {}", key, store.describe(), e.getMessage());
        damaged.add(key);
        read.add(key);
        continue;
      }
      packs.forEach((pack, entries) -> {
        if (!gonePacks.contains(pack)) {
          into.addPack(pack, entries, false);
        }
      });
      read.add(key);
    }
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
