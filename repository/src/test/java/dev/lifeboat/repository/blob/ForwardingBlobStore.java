package dev.lifeboat.repository.blob;

import java.io.InputStream;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A store that hands every operation the interface requires to {@code delegate}; the interface's
 * default methods stay defaults, so they go through these. Test doubles override what they change.
 */
public abstract class ForwardingBlobStore implements BlobStore {
  protected final BlobStore delegate;

  protected ForwardingBlobStore(BlobStore delegate) {
    this.delegate = delegate;
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
  public Optional<java.time.Instant> lockedUntil(String key, java.time.Instant now) {
    return delegate.lockedUntil(key, now);
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
