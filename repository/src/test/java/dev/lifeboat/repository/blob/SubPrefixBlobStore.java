package dev.lifeboat.repository.blob;

import java.io.InputStream;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Another store's blobs under one more prefix ({@code sub/}), so that a test can give many rounds
 * an empty store each without building a client each time.
 */
public final class SubPrefixBlobStore implements BlobStore {
  private final BlobStore delegate;
  private final String sub;

  /** @param sub a valid key segment, without slashes */
  public SubPrefixBlobStore(BlobStore delegate, String sub) {
    this.delegate = delegate;
    this.sub = sub + "/";
  }

  @Override
  public boolean putIfAbsent(String key, byte[] data) {
    return delegate.putIfAbsent(sub + key, data);
  }

  @Override
  public boolean putIfAbsent(String key, InputStream data, long length) {
    return delegate.putIfAbsent(sub + key, data, length);
  }

  @Override
  public Optional<byte[]> get(String key) {
    return delegate.get(sub + key);
  }

  @Override
  public Optional<byte[]> getRange(String key, long offset, int length) {
    return delegate.getRange(sub + key, offset, length);
  }

  @Override
  public Optional<InputStream> open(String key) {
    return delegate.open(sub + key);
  }

  @Override
  public Optional<BlobInfo> stat(String key) {
    return delegate.stat(sub + key).map(this::relative);
  }

  @Override
  public void list(String prefix, Consumer<BlobInfo> each) {
    delegate.list(sub + prefix, info -> each.accept(relative(info)));
  }

  @Override
  public Optional<java.time.Instant> lockedUntil(String key, java.time.Instant now) {
    return delegate.lockedUntil(sub + key, now);
  }

  @Override
  public void delete(String key) {
    delegate.delete(sub + key);
  }

  @Override
  public String describe() {
    return delegate.describe() + " under " + sub;
  }

  private BlobInfo relative(BlobInfo info) {
    return new BlobInfo(info.key().substring(sub.length()), info.size(), info.lastModified());
  }
}
