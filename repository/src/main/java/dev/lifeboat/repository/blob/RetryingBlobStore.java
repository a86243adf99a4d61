package dev.lifeboat.repository.blob;

import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.retry.PermanentFailure;
import dev.lifeboat.retry.RetriableFailure;
import dev.lifeboat.retry.Retry;
import java.io.InputStream;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Retries every call to another {@link BlobStore} through a {@link Retry}: retriable failures are
 * tried again with backoff and jitter until the policy's deadline, permanent ones fail at once, and a
 * missing blob is an answer, returned as it is.
 *
 * <p>Every operation may be repeated safely: puts only ever write the same bytes under a key, deletes
 * of a deleted blob succeed, and a listing that fails part-way is taken up again after the last key
 * already delivered. What cannot be repeated is reading a caller's stream twice, so:
 *
 * <ul>
 *   <li>{@link #putIfAbsent(String, InputStream, long)} is retried only while nothing has been read
 *       from the stream (a failure of the existence check, a refused connection before the upload).
 *       Once bytes were read, the failure is thrown as it is; the caller may put again from a new
 *       stream.
 *   <li>{@link #putIfAbsent(String, StreamSource, long)} opens the source afresh for every attempt, so
 *       it retries like a {@code byte[]} put. Use it for files and other re-readable data.
 *   <li>{@link #open} retries until the stream is open; failures while reading it are the caller's.
 * </ul>
 *
 * <p>A put whose acknowledgement was lost but which reached the store is found present by the next
 * attempt, so {@code putIfAbsent} may answer false for a blob this very call wrote. Either way the
 * blob is there afterwards, which is what callers rely on.
 *
 * <p>Thread-safe if the delegate is.
 */
public final class RetryingBlobStore extends BlobStoreDecorator {
  private final Retry retry;

  public RetryingBlobStore(BlobStore delegate, Retry retry) {
    super(delegate);
    this.retry = Objects.requireNonNull(retry, "retry");
  }

  /** With {@link dev.lifeboat.retry.RetryPolicy#DEFAULT}: 200 ms doubling to 30 s, for up to 5 minutes. */
  public RetryingBlobStore(BlobStore delegate) {
    this(delegate, Retry.withDefaults());
  }

  @Override
  public boolean putIfAbsent(String key, byte[] data) {
    return retry.call(what("put", key), () -> delegate.putIfAbsent(key, data));
  }

  @Override
  public boolean putIfAbsent(String key, InputStream data, long length) {
    String what = what("put", key);
    CountingInputStream counted = new CountingInputStream(data);
    try {
      return retry.call(what, () -> {
        try {
          return delegate.putIfAbsent(key, counted, length);
        } catch (RuntimeException e) {
          if (counted.count() > 0 && ErrorClassifier.isRetriable(e)) {
            throw new Unrepeatable(e);
          }
          throw e;
        }
      });
    } catch (Unrepeatable e) {
      throw new RetriableFailure(what + ": not retried, " + counted.count() + " bytes of the stream were already"
          + " read; put again from a new stream: " + ErrorClassifier.describe(e.getCause()), e.getCause());
    }
  }

  @Override
  public boolean putIfAbsent(String key, StreamSource source, long length) {
    return retry.call(what("put", key), () -> delegate.putIfAbsent(key, source, length));
  }

  /** Retried like the {@link StreamSource} put: the source is opened afresh for every attempt. */
  @Override
  public Written putNew(String key, StreamSource source, long length, String sha256Hex) {
    return retry.call(what("put", key), () -> delegate.putNew(key, source, length, sha256Hex));
  }

  @Override
  public Optional<byte[]> get(String key) {
    return retry.call(what("get", key), () -> delegate.get(key));
  }

  @Override
  public Optional<byte[]> getRange(String key, long offset, int length) {
    return retry.call(what("get_range", key), () -> delegate.getRange(key, offset, length));
  }

  @Override
  public Optional<InputStream> open(String key) {
    return retry.call(what("open", key), () -> delegate.open(key));
  }

  @Override
  public Optional<BlobInfo> stat(String key) {
    return retry.call(what("stat", key), () -> delegate.stat(key));
  }

  /**
   * Lists through the delegate; if the listing fails part-way it starts again and skips every key up
   * to the last one delivered, so {@code each} sees each key once and in order. A failure thrown by
   * {@code each} is not retried: it passes through as it is.
   */
  @Override
  public void list(String prefix, Consumer<BlobInfo> each) {
    String[] last = {null};
    try {
      retry.call(what("list", prefix + "*"), () -> {
        delegate.list(prefix, info -> {
          if (last[0] != null && BlobKeys.compare(info.key(), last[0]) <= 0) {
            return;
          }
          try {
            each.accept(info);
          } catch (RuntimeException e) {
            throw new Unrepeatable(e);
          }
          last[0] = info.key();
        });
        return null;
      });
    } catch (Unrepeatable e) {
      throw (RuntimeException) e.getCause();
    }
  }

  @Override
  public Optional<java.time.Instant> lockedUntil(String key, java.time.Instant now) {
    return retry.call(what("locked_until", key), () -> delegate.lockedUntil(key, now));
  }

  @Override
  public void delete(String key) {
    retry.call(what("delete", key), () -> {
      delegate.delete(key);
      return null;
    });
  }

  private String what(String op, String key) {
    return op + " " + key + " in " + delegate.describe();
  }

  /** Carries a failure past {@link Retry} without retrying it; unwrapped before it reaches the caller. */
  private static final class Unrepeatable extends PermanentFailure {
    Unrepeatable(RuntimeException cause) {
      super("not repeatable", cause);
    }
  }
}
