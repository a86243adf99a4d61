package dev.lifeboat.replicator;

import dev.lifeboat.config.ReplicationConfig;
import dev.lifeboat.repository.blob.BlobInfo;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.changelog.SegmentRef;
import dev.lifeboat.repository.changelog.SegmentStore;
import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.retry.RetriableFailure;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings one target store up to date with the source repository, object by object, with the
 * manifest last. Without the repository's keys the replicator cannot see which chunks a snapshot
 * uses, so "what the snapshot needs" is every pack and index file of the source that the target
 * lacks ({@link KnownObjects}), plus the config; a snapshot may reuse packs written long before it, or
 * by a snapshot that crashed. Copies run {@code parallelism} at a time, under the store's bandwidth
 * limit. Thread-safe for one caller at a time (the target's worker).
 */
final class RepositoryCopier implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RepositoryCopier.class);
  private static final Pattern SHA256_NAME = Pattern.compile("[0-9a-f]{64}");
  /** Listings of the source made for one snapshot when objects vanish between listing and copy (garbage collection). */
  private static final int PASSES = 3;

  private final String store;
  private final BlobStore source;
  private final BlobStore target;
  private final KnownObjects known;
  private final ObjectCopier copier;
  private final ExecutorService pool;
  private final Progress progress;

  /** Hears of every object copied or found present, as it happens (metrics). */
  interface Progress {
    void copied(String key, long bytes);

    void skipped(int objects);
  }

  RepositoryCopier(String store, BlobStore source, BlobStore target, ReplicationConfig settings, Clock clock, Progress progress) {
    this.store = store;
    this.source = source;
    this.target = target;
    this.known = new KnownObjects(target, clock);
    this.copier = new ObjectCopier(source, target,
        settings.bandwidthBytesPerSecond() > 0 ? new BandwidthLimiter(settings.bandwidthBytesPerSecond()) : null);
    AtomicInteger threads = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(settings.parallelism(), r -> {
      Thread t = new Thread(r, "lifeboat-replicate-" + store + "-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.progress = progress;
  }

  /** What one call copied: bytes and objects uploaded, and objects the target already had. */
  record Result(long bytesCopied, long objectsCopied, long objectsSkipped) {}

  /**
   * Makes the target hold the snapshot whose manifest is {@code manifestKey}: every pack and index
   * file of the source it lacks, the config, then the manifest, each verified.
   *
   * @throws MissingObjectException the source has no such manifest
   * @throws DamagedObjectException an object of the source fails its checksum; everything else was
   *     copied, the manifest was not
   *     (or the target holds another manifest under its key)
   * @throws RetriableFailure a store failed; what was copied stays copied
   */
  Result copySnapshot(String manifestKey, String manifestSha256) {
    Counts counts = new Counts();
    if (target.stat(manifestKey).isPresent()) {
      String present = ObjectCopier.sha256Of(target, manifestKey);
      if (present != null && !present.equalsIgnoreCase(manifestSha256)) {
        throw new DamagedObjectException(manifestKey, "the copy " + target.describe() + " already holds hashes to SHA-256 "
            + present + ", not the snapshot's " + manifestSha256 + ": another repository writes to the same store and"
            + " prefix, or the copy was altered");
      }
      counts.skipped(1);
      return counts.result();
    }
    BlobInfo manifest = source.stat(manifestKey).orElseThrow(() -> new MissingObjectException(manifestKey,
        "the manifest " + manifestKey + " is not in " + source.describe() + " (removed by retention before it was"
            + " copied, or the event names another repository)"));
    copyConfig(counts);
    for (int pass = 1; ; pass++) {
      List<String> vanished = copyAll(missingObjects(counts, pass == 1), counts);
      if (vanished.isEmpty()) {
        break;
      }
      if (pass == PASSES) {
        throw new RetriableFailure(vanished.size() + " objects of " + source.describe() + " (" + vanished.get(0)
            + "...) disappeared between listing and copying " + PASSES + " times: garbage collection is rewriting packs");
      }
      log.info("{} objects left the source while being copied to {} ({}...): listing it again", vanished.size(), store,
          vanished.get(0));
    }
    try {
      counts.add(manifestKey, copier.copy(manifestKey, manifest.size(), manifestSha256));
    } catch (ObjectCopier.VanishedException e) {
      throw new MissingObjectException(manifestKey, "the manifest " + manifestKey + " left " + source.describe()
          + " while the snapshot was being copied (removed by retention)");
    }
    return counts.result();
  }

  /**
   * Copies one object the event names with its SHA-256 (a change-log segment), unless the target has it,
   * and the repository config first if the target lacks it.
   *
   * @throws MissingObjectException the source does not have it
   * @throws DamagedObjectException its bytes in the source do not match {@code sha256}
   */
  Result copyObject(String key, String sha256) {
    Counts counts = new Counts();
    BlobInfo info = source.stat(key).orElseThrow(() -> new MissingObjectException(key, key + " is not in "
        + source.describe()));
    copyConfig(counts); // a segment is sealed with the repository's data key, which only the config holds
    try {
      counts.add(key, copier.copy(key, info.size(), sha256));
    } catch (ObjectCopier.VanishedException e) {
      throw new MissingObjectException(key, key + " left " + source.describe() + " while it was being copied");
    }
    return counts.result();
  }

  /**
   * The segment of the source that covers every offset of segment {@code key} (a merged segment that
   * replaced it), if the source holds one; for a segment gone from the source because it was merged
   * before it could be copied.
   */
  Optional<String> coveringSegment(String key) {
    SegmentRef gone = SegmentStore.ref(key).orElseThrow(() -> new IllegalArgumentException(
        key + " is no change-log segment key"));
    String[] found = {null};
    source.list(key.substring(0, key.lastIndexOf('/') + 1), info -> SegmentStore.ref(info.key())
        .filter(r -> found[0] == null && r.firstOffset() <= gone.firstOffset() && r.lastOffset() >= gone.lastOffset())
        .ifPresent(r -> found[0] = r.key()));
    return Optional.ofNullable(found[0]);
  }

  /**
   * Removes from the target the segments a merged segment replaced, once the target holds the merged
   * one (copied and checked by SHA-256 just before). Each key must name a segment of the merged one's
   * cluster and partition within its range, and not the merged one itself; a key that does not is
   * refused, and nothing is removed.
   *
   * @return how many keys were removed (removing one the target lacks counts, and is no error)
   */
  int removeReplaced(String mergedKey, List<String> replaced) {
    SegmentRef merged = SegmentStore.ref(mergedKey).orElseThrow(() -> new IllegalArgumentException(
        mergedKey + " is no change-log segment key"));
    for (String key : replaced) {
      SegmentRef r = SegmentStore.ref(key).orElse(null);
      if (r == null || key.equals(mergedKey) || !r.cluster().equals(merged.cluster()) || r.partition() != merged.partition()
          || r.firstOffset() < merged.firstOffset() || r.lastOffset() > merged.lastOffset()) {
        throw new IllegalArgumentException("segment " + mergedKey + " says it replaces " + key
            + ", which is not a segment within its range; no copy was removed");
      }
    }
    for (String key : replaced) {
      target.delete(key);
    }
    return replaced.size();
  }

  /** The repository config, unless the target has it: first, so that what follows can be opened. */
  private void copyConfig(Counts counts) {
    known.refreshIfNeeded();
    if (!known.contains(KnownObjects.CONFIG)) {
      BlobInfo config = source.stat(KnownObjects.CONFIG).orElseThrow(() -> new MissingObjectException(KnownObjects.CONFIG,
          source.describe() + " has no repository config"));
      counts.add(KnownObjects.CONFIG, copier.copy(KnownObjects.CONFIG, config.size(), null));
    } else {
      counts.skipped(1);
    }
  }

  /** Packs and index files of the source that the target lacks, in listing order. */
  private List<BlobInfo> missingObjects(Counts counts, boolean countPresent) {
    List<BlobInfo> missing = new ArrayList<>();
    int present = 0;
    for (String prefix : KnownObjects.PREFIXES) {
      int[] here = {0};
      source.list(prefix, info -> {
        if (known.contains(info.key())) {
          here[0]++;
        } else if (SHA256_NAME.matcher(nameOf(info.key())).matches()) {
          missing.add(info);
        } else {
          log.warn("{} in {} is not named by its SHA-256, so it is no repository object: not copied", info.key(),
              source.describe());
        }
      });
      present += here[0];
    }
    if (countPresent) {
      counts.skipped(present);
    }
    return missing;
  }

  /**
   * Copies {@code objects} in parallel. Every copy is tried even when some fail; then a retriable
   * failure is thrown first (the record is retried and meets any damage again), else the first damage.
   *
   * @return keys that vanished from the source before they could be copied
   */
  private List<String> copyAll(List<BlobInfo> objects, Counts counts) {
    List<Future<?>> copies = new ArrayList<>(objects.size());
    List<String> vanished = java.util.Collections.synchronizedList(new ArrayList<>());
    for (BlobInfo info : objects) {
      if (pool.isShutdown()) {
        copies.forEach(f -> f.cancel(true));
        throw new RetriableFailure("replication to " + store + " is stopping; the snapshot is copied on at the next start");
      }
      copies.add(pool.submit(() -> {
        try {
          counts.add(info.key(), copier.copy(info.key(), info.size(), nameOf(info.key())));
        } catch (ObjectCopier.VanishedException e) {
          vanished.add(e.key());
        }
      }));
    }
    RuntimeException retriable = null;
    RuntimeException permanent = null;
    for (Future<?> copy : copies) {
      try {
        copy.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        copies.forEach(f -> f.cancel(true));
        throw new RetriableFailure("interrupted while copying to " + store, e);
      } catch (ExecutionException e) {
        RuntimeException failure = e.getCause() instanceof RuntimeException r ? r
            : new RetriableFailure(ErrorClassifier.describe(e.getCause()), e.getCause());
        if (ErrorClassifier.isRetriable(failure)) {
          retriable = retriable == null ? failure : retriable;
        } else if (permanent == null || !(permanent instanceof DamagedObjectException) && failure instanceof DamagedObjectException) {
          permanent = failure;
        }
      }
    }
    if (retriable != null) {
      throw retriable;
    }
    if (permanent != null) {
      throw permanent;
    }
    return vanished;
  }

  private static String nameOf(String key) {
    return key.substring(key.lastIndexOf('/') + 1);
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }

  /** Counts of one call, shared by the parallel copies. */
  private final class Counts {
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong copied = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();

    void add(String key, ObjectCopier.Outcome outcome) {
      known.add(key);
      if (outcome.copied()) {
        bytes.addAndGet(outcome.bytes());
        copied.incrementAndGet();
        progress.copied(key, outcome.bytes());
      } else {
        skipped(1);
      }
    }

    void skipped(int objects) {
      skipped.addAndGet(objects);
      progress.skipped(objects);
    }

    Result result() {
      return new Result(bytes.get(), copied.get(), skipped.get());
    }
  }
}
