package dev.lifeboat.bench;

import dev.lifeboat.repository.blob.BlobInfo;
import dev.lifeboat.repository.blob.BlobStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A store that keeps the repository's small objects (config, index, manifests) and throws packs
 * away, counting their bytes: what remains of a snapshot's cost is the data path itself (read,
 * chunk, hash, compress, encrypt).
 */
final class DiscardingBlobStore implements BlobStore {
  private final Map<String, byte[]> kept = new ConcurrentSkipListMap<>();
  private final AtomicLong discarded = new AtomicLong();

  long discardedBytes() {
    return discarded.get();
  }

  @Override
  public boolean putIfAbsent(String key, byte[] data) {
    if (key.startsWith("packs/")) {
      discarded.addAndGet(data.length);
      return true;
    }
    return kept.putIfAbsent(key, data.clone()) == null;
  }

  @Override
  public boolean putIfAbsent(String key, InputStream data, long length) {
    try {
      return putIfAbsent(key, data.readNBytes((int) length));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Optional<byte[]> get(String key) {
    return Optional.ofNullable(kept.get(key)).map(byte[]::clone);
  }

  @Override
  public Optional<byte[]> getRange(String key, long offset, int length) {
    return get(key).map(b -> java.util.Arrays.copyOfRange(b, (int) Math.min(offset, b.length),
        (int) Math.min(offset + length, b.length)));
  }

  @Override
  public Optional<InputStream> open(String key) {
    return get(key).map(ByteArrayInputStream::new);
  }

  @Override
  public Optional<BlobInfo> stat(String key) {
    return get(key).map(b -> new BlobInfo(key, b.length, Instant.EPOCH));
  }

  @Override
  public void list(String prefix, Consumer<BlobInfo> each) {
    kept.forEach((key, data) -> {
      if (key.startsWith(prefix)) {
        each.accept(new BlobInfo(key, data.length, Instant.EPOCH));
      }
    });
  }

  @Override
  public void delete(String key) {
    kept.remove(key);
  }

  @Override
  public String describe() {
    return "discarding store";
  }
}
