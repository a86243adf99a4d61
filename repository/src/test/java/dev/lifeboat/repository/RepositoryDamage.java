package dev.lifeboat.repository;

import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.pack.ChunkIndex;
import dev.lifeboat.repository.pack.Pack;

/** Damages a repository the way a faulty disk or a careless hand would, for tests of what reads then report. */
public final class RepositoryDamage {
  private RepositoryDamage() {}

  /** Flips one bit of a chunk's stored bytes, in place in its pack. */
  public static void corruptChunk(Repository repository, String chunkId) {
    ChunkIndex.Location at = repository.chunks().locate(chunkId);
    BlobStore store = repository.store();
    String key = Pack.key(at.pack());
    byte[] pack = store.get(key).orElseThrow();
    pack[at.offset() + at.length() / 2] ^= 0x40;
    store.delete(key);
    store.putIfAbsent(key, pack);
  }

  /** Deletes the pack holding a chunk (and with it every other chunk of that pack). */
  public static void deletePackOf(Repository repository, String chunkId) {
    repository.store().delete(Pack.key(repository.chunks().locate(chunkId).pack()));
  }
}
