package dev.lifeboat.repository.blob;

import dev.lifeboat.retry.PermanentFailure;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;

/**
 * A {@link BlobStore} in memory, for unit tests that need a store but not S3. It passes the same
 * conformance suite as {@link S3BlobStore}. Thread-safe.
 */
public class InMemoryBlobStore implements BlobStore {
  private record Blob(byte[] data, Instant lastModified) {}

  private final String name;
  private final Clock clock;
  private final ConcurrentNavigableMap<String, Blob> blobs = new ConcurrentSkipListMap<>(BlobKeys::compare);

  public InMemoryBlobStore(String name) {
    this(name, Clock.systemUTC());
  }

  public InMemoryBlobStore(String name, Clock clock) {
    this.name = Objects.requireNonNull(name, "name");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public boolean putIfAbsent(String key, byte[] data) {
    BlobKeys.requireValid(key);
    Objects.requireNonNull(data, "data");
    return blobs.putIfAbsent(key, new Blob(data.clone(), clock.instant())) == null;
  }

  @Override
  public boolean putIfAbsent(String key, InputStream data, long length) {
    BlobKeys.requireValid(key);
    if (length < 0 || length > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("length of " + key + " must be 0 to 2 GiB in memory, was " + length);
    }
    if (blobs.containsKey(key)) {
      return false;
    }
    byte[] bytes;
    try {
      bytes = data.readNBytes((int) length);
    } catch (IOException e) {
      throw new UncheckedIOException("put " + key + " in " + describe() + ": reading the stream failed", e);
    }
    if (bytes.length < length) {
      throw new PermanentFailure("put " + key + " in " + describe() + ": the stream ended after " + bytes.length
          + " of " + length + " bytes");
    }
    return blobs.putIfAbsent(key, new Blob(bytes, clock.instant())) == null;
  }

  /** Writes {@code data} under {@code key}, replacing what is there: what a store that ignores a put's condition does. */
  protected void replace(String key, byte[] data) {
    BlobKeys.requireValid(key);
    blobs.put(key, new Blob(data.clone(), clock.instant()));
  }

  @Override
  public Optional<byte[]> get(String key) {
    BlobKeys.requireValid(key);
    return Optional.ofNullable(blobs.get(key)).map(b -> b.data().clone());
  }

  @Override
  public Optional<byte[]> getRange(String key, long offset, int length) {
    BlobKeys.requireValid(key);
    return Optional.ofNullable(blobs.get(key)).map(b -> {
      int from = (int) Math.min(offset, b.data().length);
      int to = (int) Math.min((long) from + length, b.data().length);
      return java.util.Arrays.copyOfRange(b.data(), from, to);
    });
  }

  @Override
  public Optional<InputStream> open(String key) {
    BlobKeys.requireValid(key);
    return Optional.ofNullable(blobs.get(key)).map(b -> new ByteArrayInputStream(b.data()));
  }

  @Override
  public Optional<BlobInfo> stat(String key) {
    BlobKeys.requireValid(key);
    return Optional.ofNullable(blobs.get(key)).map(b -> new BlobInfo(key, b.data().length, b.lastModified()));
  }

  @Override
  public void list(String prefix, Consumer<BlobInfo> each) {
    BlobKeys.requireValidPrefix(prefix);
    for (Map.Entry<String, Blob> e : blobs.tailMap(prefix, true).entrySet()) {
      if (!e.getKey().startsWith(prefix)) {
        return;
      }
      each.accept(new BlobInfo(e.getKey(), e.getValue().data().length, e.getValue().lastModified()));
    }
  }

  @Override
  public void delete(String key) {
    BlobKeys.requireValid(key);
    blobs.remove(key);
  }

  @Override
  public String describe() {
    return "memory:" + name;
  }

  @Override
  public String toString() {
    return "InMemoryBlobStore[" + name + ", " + blobs.size() + " blobs]";
  }
}
