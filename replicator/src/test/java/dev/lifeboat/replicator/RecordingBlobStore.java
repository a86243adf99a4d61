package dev.lifeboat.replicator;

import dev.lifeboat.repository.blob.ForwardingBlobStore;
import dev.lifeboat.repository.blob.BlobStore;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A real store that also remembers, in order, every key whose put completed and wrote the object. */
final class RecordingBlobStore extends ForwardingBlobStore {
  private final List<String> written = Collections.synchronizedList(new ArrayList<>());

  RecordingBlobStore(BlobStore delegate) {
    super(delegate);
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
}
