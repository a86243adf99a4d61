package dev.lifeboat.repository.blob;

import dev.lifeboat.retry.ErrorClassifier;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.InputStream;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Measures every call to another {@link BlobStore}:
 *
 * <ul>
 *   <li>{@code lifeboat.blobstore.operations{store,op,outcome}}, a timer per operation ({@code put},
 *       {@code get}, {@code open}, {@code stat}, {@code list}, {@code delete}) and outcome: {@code ok},
 *       {@code exists} (a put found the blob there), {@code missing} (get, open or stat found none),
 *       {@code retriable} or {@code permanent} (it failed, and how).
 *   <li>{@code lifeboat.blobstore.bytes{store,direction}}, a counter of blob bytes {@code written} (by
 *       puts that wrote) and {@code read} (by gets, and by opened streams when they are closed).
 * </ul>
 *
 * <p>Placed under a {@link RetryingBlobStore} it sees every attempt, so failures the retries hide
 * still show; placed over one it times what callers wait. The time of {@code open} is the time to
 * open the stream, not to read it. Thread-safe if the delegate is.
 */
public final class MeteredBlobStore extends BlobStoreDecorator {
  public static final String OPERATIONS = "lifeboat.blobstore.operations";
  public static final String BYTES = "lifeboat.blobstore.bytes";
  static final String OK = "ok";
  static final String EXISTS = "exists";
  static final String MISSING = "missing";
  static final String RETRIABLE = "retriable";
  static final String PERMANENT = "permanent";

  private final String store;
  private final MeterRegistry registry;
  private final Counter written;
  private final Counter read;
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();

  /**
   * @param store the {@code store} tag: the store's configured name ({@code primary}, {@code offsite-1})
   */
  public MeteredBlobStore(BlobStore delegate, String store, MeterRegistry registry) {
    super(delegate);
    this.store = Objects.requireNonNull(store, "store");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.written = bytes("written");
    this.read = bytes("read");
  }

  @Override
  public boolean putIfAbsent(String key, byte[] data) {
    return put(() -> delegate.putIfAbsent(key, data), data.length);
  }

  @Override
  public boolean putIfAbsent(String key, InputStream data, long length) {
    return put(() -> delegate.putIfAbsent(key, data, length), length);
  }

  @Override
  public boolean putIfAbsent(String key, StreamSource source, long length) {
    return put(() -> delegate.putIfAbsent(key, source, length), length);
  }

  @Override
  public Written putNew(String key, StreamSource source, long length, String sha256Hex) {
    Written done = timed(BlobOperation.PUT, () -> delegate.putNew(key, source, length, sha256Hex), w -> w.written() ? OK : EXISTS);
    if (done.written()) {
      written.increment(length);
    }
    return done;
  }

  private boolean put(Supplier<Boolean> call, long length) {
    boolean wrote = timed(BlobOperation.PUT, call, w -> w ? OK : EXISTS);
    if (wrote) {
      written.increment(length);
    }
    return wrote;
  }

  @Override
  public Optional<byte[]> get(String key) {
    Optional<byte[]> data = timed(BlobOperation.GET, () -> delegate.get(key), MeteredBlobStore::found);
    data.ifPresent(bytes -> read.increment(bytes.length));
    return data;
  }

  @Override
  public Optional<byte[]> getRange(String key, long offset, int length) {
    Optional<byte[]> data = timed(BlobOperation.GET_RANGE, () -> delegate.getRange(key, offset, length), MeteredBlobStore::found);
    data.ifPresent(bytes -> read.increment(bytes.length));
    return data;
  }

  @Override
  public Optional<InputStream> open(String key) {
    return timed(BlobOperation.OPEN, () -> delegate.open(key), MeteredBlobStore::found)
        .map(in -> new CountingInputStream(in, read::increment));
  }

  @Override
  public Optional<BlobInfo> stat(String key) {
    return timed(BlobOperation.STAT, () -> delegate.stat(key), MeteredBlobStore::found);
  }

  @Override
  public void list(String prefix, Consumer<BlobInfo> each) {
    timed(BlobOperation.LIST, () -> {
      delegate.list(prefix, each);
      return null;
    }, none -> OK);
  }

  @Override
  public void delete(String key) {
    timed(BlobOperation.DELETE, () -> {
      delegate.delete(key);
      return null;
    }, none -> OK);
  }

  private <T> T timed(BlobOperation op, Supplier<T> call, Function<T, String> outcome) {
    long start = System.nanoTime();
    try {
      T result = call.get();
      timer(op, outcome.apply(result)).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      return result;
    } catch (RuntimeException | Error e) {
      timer(op, ErrorClassifier.isRetriable(e) ? RETRIABLE : PERMANENT)
          .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      throw e;
    }
  }

  private static String found(Optional<?> answer) {
    return answer.isPresent() ? OK : MISSING;
  }

  private Timer timer(BlobOperation op, String outcome) {
    return timers.computeIfAbsent(op.tag() + "/" + outcome, k -> Timer.builder(OPERATIONS)
        .description("Calls to a blob store, by operation and outcome")
        .tags("store", store, "op", op.tag(), "outcome", outcome)
        .register(registry));
  }

  private Counter bytes(String direction) {
    return Counter.builder(BYTES)
        .description("Blob bytes written to and read from a blob store")
        .baseUnit("bytes")
        .tags("store", store, "direction", direction)
        .register(registry);
  }
}
