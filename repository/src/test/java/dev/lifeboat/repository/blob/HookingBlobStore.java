package dev.lifeboat.repository.blob;

import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Forwards to another store, running a test's code just before chosen writes and deletes reach it:
 * how a test puts another process's work at an exact point between two steps of this one.
 */
public final class HookingBlobStore extends ForwardingBlobStore {
  private record Hook(String operation, String prefix, Runnable action, boolean once) {}

  private final List<Hook> hooks = new CopyOnWriteArrayList<>();

  public HookingBlobStore(BlobStore delegate) {
    super(delegate);
  }

  /** Runs {@code action} before the first put of a key starting with {@code prefix}. */
  public HookingBlobStore beforeFirstPut(String prefix, Runnable action) {
    hooks.add(new Hook("put", prefix, action, true));
    return this;
  }

  /** Runs {@code action} before the first delete of a key starting with {@code prefix}. */
  public HookingBlobStore beforeFirstDelete(String prefix, Runnable action) {
    hooks.add(new Hook("delete", prefix, action, true));
    return this;
  }

  private void run(String operation, String key) {
    for (Hook hook : hooks) {
      if (hook.operation().equals(operation) && key.startsWith(hook.prefix()) && (!hook.once() || hooks.remove(hook))) {
        hook.action().run();
      }
    }
  }

  @Override
  public boolean putIfAbsent(String key, byte[] data) {
    run("put", key);
    return delegate.putIfAbsent(key, data);
  }

  @Override
  public boolean putIfAbsent(String key, InputStream data, long length) {
    run("put", key);
    return delegate.putIfAbsent(key, data, length);
  }

  @Override
  public void delete(String key) {
    run("delete", key);
    delegate.delete(key);
  }
}
