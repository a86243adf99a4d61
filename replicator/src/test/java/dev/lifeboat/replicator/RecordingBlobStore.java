package dev.lifeboat.replicator;

import dev.lifeboat.repository.blob.BlobInfo;
import dev.lifeboat.repository.blob.BlobStore;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** A real store that also remembers, in order, every key whose put completed and wrote the object. */
final class RecordingBlobStore implements BlobStore {
  private final BlobStore delegate;
  private final List<String> written = Collections.synchronizedList(new ArrayList<>());

  RecordingBlobStore(BlobStore delegate) {
    this.delegate = delegate;
  }

  /** Keys written, in the order their uploads completed. */
  List<String> written() {
    synchronized (written) {
      return List.copyOf(written);
    }
  }

  private boolean record(String key, boolean wrote) {
    if (wrote) {
      written.add(key);
    }
    return wrote;
  }

  @Override
  public boolean putIfAbsent(String key, byte[] data) {
    return record(key, delegate.putIfAbsent(key, data));
  }

  @Override
  public boolean putIfAbsent(String key, InputStream data, long length) {
    return record(key, delegate.putIfAbsent(key, data, length));
  }

  @Override
  public boolean putIfAbsent(String key, StreamSource source, long length) {
    return record(key, delegate.putIfAbsent(key, source, length));
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
