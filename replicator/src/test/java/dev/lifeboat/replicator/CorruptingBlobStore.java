package dev.lifeboat.replicator;

import dev.lifeboat.repository.blob.ForwardingBlobStore;
import dev.lifeboat.repository.blob.BlobStore;
import java.io.FilterInputStream;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A real store on a bad line: the first upload of each key whose name starts with {@code affected}
 * has one bit flipped on its way in, as a faulty network card or proxy might do. What it stores is
 * what S3 received.
 */
final class CorruptingBlobStore extends ForwardingBlobStore {
  private final String affected;
  private final Set<String> corrupted = ConcurrentHashMap.newKeySet();

  CorruptingBlobStore(BlobStore delegate, String affected) {
    super(delegate);
    this.affected = affected;
  }

  /** Keys whose first upload was damaged. */
  Set<String> corrupted() {
    return Set.copyOf(corrupted);
  }

  @Override
  public Written putNew(String key, StreamSource source, long length, String sha256Hex) {
    if (!key.startsWith(affected) || !corrupted.add(key)) {
      return delegate.putNew(key, source, length, sha256Hex);
    }
    return delegate.putNew(key, () -> new FilterInputStream(source.open()) {
      private long position;

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0 && position <= length / 2 && position + n > length / 2) {
          b[off + (int) (length / 2 - position)] ^= 0x01;
        }
        position += Math.max(0, n);
        return n;
      }
    }, length, sha256Hex);
  }
}
