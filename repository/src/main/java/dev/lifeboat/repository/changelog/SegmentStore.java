package dev.lifeboat.repository.changelog;

import dev.lifeboat.repository.ConfigFile;
import dev.lifeboat.repository.ManifestStore;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.chunk.ChunkCodec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Change-log segments at {@code changelog/<cluster>/<partition>/<first offset>-<last offset>}
 * (partition zero-padded to 5 digits, offsets to 20, so a listing is in offset order), sealed the
 * way manifests are: zstd, then AES-256-GCM under the repository's key, authenticated with the
 * segment's key so one segment cannot pose as another. Keys are written once (put-if-absent); the
 * SHA-256 of the stored bytes is returned so it can be published and a copy checked without keys.
 *
 * <p>Writing a key that exists is not an error: the archiver may store the same range again after
 * a crash between storing and committing its offsets, and the bytes it would write describe the
 * same records. The existing segment is checked (it must open under this repository's key) and its
 * hash returned. Overlapping but different ranges can exist for the same reason; {@link ChangeLog}
 * de-duplicates by offset when reading.
 */
public final class SegmentStore {
  static final String PREFIX = "changelog/";
  private static final int ZSTD_LEVEL = 3;

  private final BlobStore store;
  private final ChunkCodec codec;
  private final String description;

  public SegmentStore(BlobStore store, ChunkCodec codec, String description) {
    this.store = store;
    this.codec = codec;
    this.description = description;
  }

  /**
   * The segment store of an open repository. The repository's data key is unwrapped again from its
   * config with the master key (the repository keeps its codec to itself).
   */
  public static SegmentStore open(Repository repository, byte[] masterKey) {
    return open(repository.store(), masterKey, repository.describe());
  }

  /**
   * The segment store of the repository in {@code store}, opened from its config alone: nothing is
   * listed or written, so it suits a reader of a copy (an off-region store) and a process that must
   * not touch the repository's index.
   */
  public static SegmentStore open(BlobStore store, byte[] masterKey, String description) {
    return new SegmentStore(store, ConfigFile.read(store, masterKey).codec(ZSTD_LEVEL), description);
  }

  /** Where a segment was stored and what its stored bytes hash to. */
  public record Written(String key, String sha256, long size, boolean alreadyStored) {}

  public static String key(String cluster, int partition, long firstOffset, long lastOffset) {
    if (firstOffset < 0 || lastOffset < firstOffset) {
      throw new IllegalArgumentException("bad offset range " + firstOffset + "-" + lastOffset);
    }
    return partitionPrefix(cluster, partition) + String.format("%020d-%020d", firstOffset, lastOffset);
  }

  private static String clusterPrefix(String cluster) {
    if (cluster.isEmpty() || cluster.contains("/")) {
      throw new IllegalArgumentException("a cluster name must be non-empty and contain no '/': " + cluster);
    }
    return PREFIX + cluster + "/";
  }

  private static String partitionPrefix(String cluster, int partition) {
    return clusterPrefix(cluster) + String.format("%05d/", partition);
  }

  /** Seals and stores a segment's plaintext ({@link SegmentFormat}) unless its key exists. */
  public Written write(String cluster, int partition, long firstOffset, long lastOffset, byte[] plaintext) {
    String key = key(cluster, partition, firstOffset, lastOffset);
    byte[] sealed = codec.seal(sealId(key), plaintext);
    if (store.putIfAbsent(key, sealed)) {
      return new Written(key, ManifestStore.sha256(sealed), sealed.length, false);
    }
    byte[] existing = store.get(key).orElseThrow(() -> new IllegalStateException(
        "segment " + key + " was reported present but cannot be read from " + store.describe()));
    codec.openSealed(sealId(key), existing); // authenticates, or throws naming the key
    return new Written(key, ManifestStore.sha256(existing), existing.length, true);
  }

  /** The plaintext of a stored segment (authenticated), or empty if there is none. */
  public Optional<byte[]> read(String key) {
    return store.get(key).map(bytes -> codec.openSealed(sealId(key), bytes));
  }

  /**
   * Removes a segment; for a merge, once the segment that replaces it is stored and read back ({@link
   * SegmentMerger}). Removing one that does not exist is not an error.
   */
  public void delete(String key) {
    if (parse(key, -1).isEmpty()) {
      throw new IllegalArgumentException(key + " is no change-log segment key; not deleted");
    }
    store.delete(key);
  }

  /**
   * Whether one segment of the partition covers every offset from {@code firstOffset} to {@code
   * lastOffset} (a merged one, say); the first such segment.
   */
  public Optional<SegmentRef> covering(String cluster, int partition, long firstOffset, long lastOffset) {
    return list(cluster, partition).stream()
        .filter(r -> r.firstOffset() <= firstOffset && r.lastOffset() >= lastOffset).findFirst();
  }

  /** Every segment of one partition, by first offset, then by last. */
  public List<SegmentRef> list(String cluster, int partition) {
    List<SegmentRef> refs = new ArrayList<>();
    store.list(partitionPrefix(cluster, partition), info -> parse(info.key(), info.size()).ifPresent(refs::add));
    refs.sort(Comparator.comparingLong(SegmentRef::firstOffset).thenComparingLong(SegmentRef::lastOffset));
    return refs;
  }

  /** A stored segment and when the store says it was written. */
  public record Stored(SegmentRef ref, Instant storedAt) {}

  /** Every segment of one partition with the time it was stored, in {@link #list} order. */
  public List<Stored> listStored(String cluster, int partition) {
    List<Stored> stored = new ArrayList<>();
    store.list(partitionPrefix(cluster, partition),
        info -> parse(info.key(), info.size()).ifPresent(ref -> stored.add(new Stored(ref, info.lastModified()))));
    stored.sort(Comparator.comparingLong((Stored s) -> s.ref().firstOffset()).thenComparingLong(s -> s.ref().lastOffset()));
    return stored;
  }

  /** Every segment of a cluster, by partition. */
  public TreeMap<Integer, List<SegmentRef>> listAll(String cluster) {
    TreeMap<Integer, List<SegmentRef>> byPartition = new TreeMap<>();
    store.list(clusterPrefix(cluster), info -> parse(info.key(), info.size())
        .ifPresent(ref -> byPartition.computeIfAbsent(ref.partition(), p -> new ArrayList<>()).add(ref)));
    byPartition.values().forEach(refs ->
        refs.sort(Comparator.comparingLong(SegmentRef::firstOffset).thenComparingLong(SegmentRef::lastOffset)));
    return byPartition;
  }

  /** The partitions a cluster has segments for. */
  public TreeSet<Integer> partitions(String cluster) {
    return new TreeSet<>(listAll(cluster).keySet());
  }

  public String describe() {
    return description;
  }

  /** What a key of this layout names (cluster, partition, offsets); empty for any other key. */
  public static Optional<SegmentRef> ref(String key) {
    return parse(key, -1);
  }

  /** A key of this layout as a reference; empty for anything else under the prefix. */
  static Optional<SegmentRef> parse(String key, long size) {
    String[] parts = key.split("/");
    if (parts.length != 4 || !(parts[0] + "/").equals(PREFIX)) {
      return Optional.empty();
    }
    String[] range = parts[3].split("-");
    try {
      if (range.length != 2) {
        return Optional.empty();
      }
      return Optional.of(new SegmentRef(key, parts[1], Integer.parseInt(parts[2]), Long.parseLong(range[0]),
          Long.parseLong(range[1]), size));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Sealed segments are authenticated with this, so one cannot be swapped for another. */
  private static String sealId(String key) {
    return "changelog:" + key;
  }
}
