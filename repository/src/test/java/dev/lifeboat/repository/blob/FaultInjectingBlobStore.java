package dev.lifeboat.repository.blob;

import dev.lifeboat.retry.PermanentFailure;
import dev.lifeboat.retry.RetriableFailure;
import dev.lifeboat.retry.Retry;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Makes another {@link BlobStore} fail or slow down on demand, for tests and failure drills: an
 * object store that refuses, throttles, loses replies or goes away. Faults apply in this order: the
 * next faults queued for the operation ({@link #failNext}), then a store-wide outage ({@link #failAll}),
 * then a periodic fault ({@link #failEvery}). Latency ({@link #delay}) is added before any call.
 *
 * <p>Injected failures name the operation, the key and the store, like real ones. Thread-safe.
 */
public final class FaultInjectingBlobStore extends BlobStoreDecorator {

  /** What an injected fault does. */
  public enum Fault {
    /** The call fails with a {@link RetriableFailure} without reaching the store (throttled, unreachable). */
    RETRIABLE,
    /** The call fails with a {@link PermanentFailure} without reaching the store (access denied). */
    PERMANENT,
    /**
     * The call reaches the store and takes effect, then fails with a {@link RetriableFailure}: the
     * reply was lost. A put has written its blob; a delete has deleted it.
     */
    LOST_REPLY
  }

  private final Retry.Sleeper sleeper;
  private final Map<BlobOperation, Queue<Fault>> queued = new EnumMap<>(BlobOperation.class);
  private final Map<BlobOperation, Duration> latency = new EnumMap<>(BlobOperation.class);
  private final Map<BlobOperation, Integer> calls = new EnumMap<>(BlobOperation.class);
  private Fault outage;
  private Fault periodic;
  private int period;
  private int sincePeriodic;
  private int injected;

  /** Latency is waited out with {@link Thread#sleep}. */
  public FaultInjectingBlobStore(BlobStore delegate) {
    this(delegate, d -> Thread.sleep(d.toMillis()));
  }

  /** Latency is waited out with {@code sleeper}, so a test with a fake clock can advance it instead. */
  public FaultInjectingBlobStore(BlobStore delegate, Retry.Sleeper sleeper) {
    super(delegate);
    this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
  }

  /** The next {@code times} calls of {@code op} fail with {@code fault} (added to any already queued). */
  public synchronized FaultInjectingBlobStore failNext(BlobOperation op, int times, Fault fault) {
    Objects.requireNonNull(fault, "fault");
    Queue<Fault> faults = queued.computeIfAbsent(op, o -> new ArrayDeque<>());
    for (int i = 0; i < times; i++) {
      faults.add(fault);
    }
    return this;
  }

  /** Every call of every operation fails with {@code fault} until {@link #heal()}: the store is down. */
  public synchronized FaultInjectingBlobStore failAll(Fault fault) {
    this.outage = Objects.requireNonNull(fault, "fault");
    return this;
  }

  /** Every {@code n}-th call (of any operation) fails with {@code fault}, until {@link #heal()}. */
  public synchronized FaultInjectingBlobStore failEvery(int n, Fault fault) {
    if (n < 1) {
      throw new IllegalArgumentException("failEvery needs n >= 1, was " + n);
    }
    this.periodic = Objects.requireNonNull(fault, "fault");
    this.period = n;
    this.sincePeriodic = 0;
    return this;
  }

  /** Every call of {@code op} waits {@code delay} first, until {@link #heal()}. */
  public synchronized FaultInjectingBlobStore delay(BlobOperation op, Duration delay) {
    latency.put(op, Objects.requireNonNull(delay, "delay"));
    return this;
  }

  /** Forgets every queued fault, outage, periodic fault and latency; the counts stay. */
  public synchronized void heal() {
    queued.clear();
    latency.clear();
    outage = null;
    periodic = null;
  }

  /** How many calls of {@code op} this store received, failed or not. */
  public synchronized int calls(BlobOperation op) {
    return calls.getOrDefault(op, 0);
  }

  /** How many faults were injected so far. */
  public synchronized int injected() {
    return injected;
  }

  @Override
  public boolean putIfAbsent(String key, byte[] data) {
    return call(BlobOperation.PUT, key, () -> delegate.putIfAbsent(key, data));
  }

  @Override
  public boolean putIfAbsent(String key, InputStream data, long length) {
    return call(BlobOperation.PUT, key, () -> delegate.putIfAbsent(key, data, length));
  }

  @Override
  public boolean putIfAbsent(String key, StreamSource source, long length) {
    return call(BlobOperation.PUT, key, () -> delegate.putIfAbsent(key, source, length));
  }

  @Override
  public Written putNew(String key, StreamSource source, long length, String sha256Hex) {
    return call(BlobOperation.PUT, key, () -> delegate.putNew(key, source, length, sha256Hex));
  }

  @Override
  public Optional<byte[]> get(String key) {
    return call(BlobOperation.GET, key, () -> delegate.get(key));
  }

  @Override
  public Optional<byte[]> getRange(String key, long offset, int length) {
    return call(BlobOperation.GET_RANGE, key, () -> delegate.getRange(key, offset, length));
  }

  @Override
  public Optional<InputStream> open(String key) {
    return call(BlobOperation.OPEN, key, () -> delegate.open(key));
  }

  @Override
  public Optional<BlobInfo> stat(String key) {
    return call(BlobOperation.STAT, key, () -> delegate.stat(key));
  }

  @Override
  public void list(String prefix, Consumer<BlobInfo> each) {
    call(BlobOperation.LIST, prefix + "*", () -> {
      delegate.list(prefix, each);
      return null;
    });
  }

  @Override
  public void delete(String key) {
    call(BlobOperation.DELETE, key, () -> {
      delegate.delete(key);
      return null;
    });
  }

  private <T> T call(BlobOperation op, String key, Supplier<T> action) {
    Fault fault;
    Duration wait;
    synchronized (this) {
      calls.merge(op, 1, Integer::sum);
      fault = nextFault(op);
      if (fault != null) {
        injected++;
      }
      wait = latency.get(op);
    }
    if (wait != null) {
      try {
        sleeper.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RetriableFailure(op.tag() + " " + key + " in " + describe() + ": interrupted", e);
      }
    }
    String what = op.tag() + " " + key + " in " + describe();
    if (fault == Fault.RETRIABLE) {
      throw new RetriableFailure(what + ": injected fault: SlowDown (HTTP 503)");
    }
    if (fault == Fault.PERMANENT) {
      throw new PermanentFailure(what + ": injected fault: AccessDenied (HTTP 403)");
    }
    T result = action.get();
    if (fault == Fault.LOST_REPLY) {
      if (result instanceof Optional<?> answer && answer.orElse(null) instanceof InputStream in) {
        try {
          in.close();
        } catch (IOException ignored) {
          // the stream is dropped with the reply
        }
      }
      throw new RetriableFailure(what + ": injected fault: the reply was lost after the store acted");
    }
    return result;
  }

  private Fault nextFault(BlobOperation op) {
    Queue<Fault> faults = queued.get(op);
    if (faults != null && !faults.isEmpty()) {
      return faults.poll();
    }
    if (outage != null) {
      return outage;
    }
    if (periodic != null && ++sincePeriodic >= period) {
      sincePeriodic = 0;
      return periodic;
    }
    return null;
  }
}
