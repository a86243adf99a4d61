package dev.lifeboat.repository;

import dev.lifeboat.repository.ChunkStore.ChunkRef;
import java.util.Iterator;

/**
 * Reassembles a stream from its chunks, one chunk in memory at a time; every chunk is authenticated
 * and re-hashed as it is read. The caller checks the whole stream's SHA-256 against the manifest.
 */
public final class StreamReader extends BlockInputStream {
  private final ChunkStore chunks;
  private final Iterator<ChunkRef> refs;

  public StreamReader(ChunkStore chunks, Manifest.Stream stream) {
    this.chunks = chunks;
    this.refs = stream.chunks().iterator();
  }

  @Override
  protected byte[] nextBlock() {
    return refs.hasNext() ? chunks.get(refs.next().id()) : null;
  }
}
