package dev.lifeboat.replicator;

import dev.lifeboat.repository.blob.BlobStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys of the packs, index files and config a target store holds, kept in memory so that "what
 * does the target lack?" costs no request per object. Built from a listing of the target the first
 * time it is needed, again when it is older than {@link #MAX_AGE} or when the target turns out to have
 * lost its config (someone emptied it), and grown by every copy. About 150 bytes per object: a
 * repository of 1 TiB in 8 MiB packs needs ~20 MB.
 */
final class KnownObjects {
  private static final Logger log = LoggerFactory.getLogger(KnownObjects.class);
  /** Listed again after this long, so objects removed from the target behind the replicator's back are noticed. */
  static final Duration MAX_AGE = Duration.ofHours(6);
  /** The prefixes whose every object the replicator keeps in step. */
  static final List<String> PREFIXES = List.of("packs/", "index/");
  static final String CONFIG = "config";

  private final BlobStore target;
  private final Clock clock;
  private final Set<String> keys = ConcurrentHashMap.newKeySet();
  private volatile Instant loadedAt;

  KnownObjects(BlobStore target, Clock clock) {
    this.target = target;
    this.clock = clock;
  }

  /** Lists the target if this set was never built, is too old, or the target lost its config. */
  void refreshIfNeeded() {
    if (loadedAt == null || clock.instant().isAfter(loadedAt.plus(MAX_AGE))) {
      load();
    } else if (keys.contains(CONFIG) && target.stat(CONFIG).isEmpty()) {
      log.warn("{} lost its repository config: listing it again to learn what else it lost", target.describe());
      load();
    }
  }

  /** Forgets everything and lists the target. */
  void load() {
    long started = System.nanoTime();
    Set<String> found = ConcurrentHashMap.newKeySet();
    for (String prefix : PREFIXES) {
      target.list(prefix, info -> found.add(info.key()));
    }
    if (target.stat(CONFIG).isPresent()) {
      found.add(CONFIG);
    }
    keys.clear();
    keys.addAll(found);
    loadedAt = clock.instant();
    log.info("{} holds {} repository objects (listed in {} ms)", target.describe(), keys.size(),
        (System.nanoTime() - started) / 1_000_000);
  }

  boolean contains(String key) {
    return keys.contains(key);
  }

  void add(String key) {
    keys.add(key);
  }

  int size() {
    return keys.size();
  }
}
