package dev.lifeboat.repository;

import dev.lifeboat.repository.ChunkStore.ChunkRef;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;

/**
 * Reassembles a stream from its chunks, one chunk in memory at a time; every chunk is authenticated
 * and re-hashed as it is read. The caller checks the whole stream's SHA-256 against the manifest.
 */
public final class StreamReader extends InputStream {
  private final ChunkStore chunks;
  private final Iterator<ChunkRef> refs;
  private byte[] current = new byte[0];
  private int position;

  public StreamReader(ChunkStore chunks, Manifest.Stream stream) {
    this.chunks = chunks;
    this.refs = stream.chunks().iterator();
  }

  private boolean advance() {
    while (position >= current.length) {
      if (!refs.hasNext()) {
        return false;
      }
      current = chunks.get(refs.next().id());
      position = 0;
    }
    return true;
  }

  @Override
  public int read() throws IOException {
    return advance() ? current[position++] & 0xff : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (!advance()) {
      return -1;
    }
    int n = Math.min(len, current.length - position);
    System.arraycopy(current, position, b, off, n);
    position += n;
    return n;
  }
}
