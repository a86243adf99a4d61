package dev.lifeboat.replicator;

import dev.lifeboat.repository.blob.BlobInfo;
import dev.lifeboat.repository.blob.BlobStore;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A real store on a bad line: the first upload of each key whose name starts with {@code affected}
 * has one bit flipped on its way in, as a faulty network card or proxy might do. What it stores is
 * what S3 received.
 */
final class CorruptingBlobStore implements BlobStore {
  private final BlobStore delegate;
  private final String affected;
  private final Set<String> corrupted = ConcurrentHashMap.newKeySet();

  CorruptingBlobStore(BlobStore delegate, String affected) {
    this.delegate = delegate;
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

  @Override
  public boolean putIfAbsent(String key, byte[] data) {
    return delegate.putIfAbsent(key, data);
  }

  @Override
  public boolean putIfAbsent(String key, InputStream data, long length) {
    return delegate.putIfAbsent(key, data, length);
  }

  @Override
  public Optional<byte[]> get(String key) {
    return delegate.get(key);
  }

  @Override
  public Optional<byte[]> getRange(String key, long offset, int length) {
    return delegate.getRange(key, offset, length);
  }

  @Override
  public Optional<InputStream> open(String key) {
    return delegate.open(key);
  }

  @Override
  public Optional<BlobInfo> stat(String key) {
    return delegate.stat(key);
  }

  @Override
  public void list(String prefix, Consumer<BlobInfo> each) {
    delegate.list(prefix, each);
  }

  @Override
  public void delete(String key) {
    delegate.delete(key);
  }

  @Override
  public String describe() {
    return delegate.describe();
  }
}
