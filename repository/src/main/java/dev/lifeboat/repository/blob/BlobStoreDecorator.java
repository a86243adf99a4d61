package dev.lifeboat.repository.blob;

import java.util.Objects;

/**
 * A store that adds something (retries, metrics, faults) to the store it wraps, and is otherwise that store:
 * it describes itself as the wrapped store does, so messages name the real store, and its {@code toString}
 * shows the layers, e.g. {@code RetryingBlobStore[MeteredBlobStore[S3BlobStore[...]]]}.
 */
public abstract class BlobStoreDecorator implements BlobStore {
  protected final BlobStore delegate;

  protected BlobStoreDecorator(BlobStore delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** The wrapped store's lock: a decorator that forgot to forward it would hide every lock. */
  @Override
  public java.util.Optional<java.time.Instant> lockedUntil(String key, java.time.Instant now) {
    return delegate.lockedUntil(key, now);
  }

  @Override
  public final String describe() {
    return delegate.describe();
  }

  @Override
  public final String toString() {
    return getClass().getSimpleName() + "[" + delegate + "]";
  }
}
