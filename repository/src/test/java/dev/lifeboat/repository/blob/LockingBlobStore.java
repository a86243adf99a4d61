package dev.lifeboat.repository.blob;

import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A versioned bucket with S3 Object Lock, in memory, as S3 behaves: every blob written is retained for
 * the bucket's default retention from its write (or until {@link #lock}); a delete of a retained blob
 * succeeds but only hides it, as S3's delete marker does, so readers no longer see it while the store
 * keeps it. {@link #hiddenWhileRetained()} lists those deletes: what a caller thought it removed but did
 * not. Thread-safe.
 */
public final class LockingBlobStore extends InMemoryBlobStore {
  private final Clock clock;
  private final Duration defaultRetention;
  private final Map<String, Instant> retainedUntil = new ConcurrentHashMap<>();
  private final List<String> hidden = new CopyOnWriteArrayList<>();

  /** @param defaultRetention retention of every blob from its write; zero: none unless {@link #lock}ed */
  public LockingBlobStore(String name, Clock clock, Duration defaultRetention) {
    super(name, clock);
    this.clock = clock;
    this.defaultRetention = defaultRetention;
  }

  /** Retains {@code key} until {@code until} (PutObjectRetention). */
  public void lock(String key, Instant until) {
    retainedUntil.put(key, until);
  }

  /** Keys deleted while they were still retained: hidden, not removed. */
  public List<String> hiddenWhileRetained() {
    return List.copyOf(hidden);
  }

  @Override
  public boolean putIfAbsent(String key, byte[] data) {
    return retained(key, super.putIfAbsent(key, data));
  }

  @Override
  public boolean putIfAbsent(String key, InputStream data, long length) {
    return retained(key, super.putIfAbsent(key, data, length));
  }

  private boolean retained(String key, boolean written) {
    if (written && !defaultRetention.isZero()) {
      retainedUntil.put(key, clock.instant().plus(defaultRetention));
    }
    return written;
  }

  @Override
  public Optional<Instant> lockedUntil(String key, Instant now) {
    if (stat(key).isEmpty()) {
      return Optional.empty();
    }
    Instant until = retainedUntil.get(key);
    return until != null && until.isAfter(now) ? Optional.of(until) : Optional.empty();
  }

  @Override
  public void delete(String key) {
    if (lockedUntil(key, clock.instant()).isPresent()) {
      hidden.add(key);
    }
    super.delete(key);
  }
}
