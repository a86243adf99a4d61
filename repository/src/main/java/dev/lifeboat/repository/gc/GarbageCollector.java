package dev.lifeboat.repository.gc;

import dev.lifeboat.config.RetentionConfig;
import dev.lifeboat.repository.ChunkStore;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.pack.ChunkIndex;
import dev.lifeboat.repository.pack.DeletionPlan;
import dev.lifeboat.repository.pack.IndexFile;
import dev.lifeboat.repository.pack.Pack;
import dev.lifeboat.repository.pack.PackEntry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention, then garbage collection, of one repository; see {@code DESIGN.md} beside this class.
 *
 * <p>Retention deletes the manifests no rule keeps. Collection marks every chunk the remaining
 * manifests name ({@link Marking}), then works in two phases a safety delay apart: unreferenced copies
 * of chunks in packs older than the delay are written to a {@link DeletionPlan}, which writers read
 * and then store fresh copies instead of reusing those chunks; a later run announces the plans older
 * than the delay ({@link DeletionPlan#SWEEPS}), marks, and carries them out, deleting only the copies
 * they name of chunks still unreferenced. Packs left with no needed chunk are deleted; packs with some
 * are rewritten with those alone. A new index replaces the old index files before any pack is deleted.
 * One collection at a time: {@link GcLock}, which expires after {@link #LOCK_LEASE}.
 */
public final class GarbageCollector {
  private static final Logger log = LoggerFactory.getLogger(GarbageCollector.class);
  static final String LOCK = GcLock.KEY;
  static final Duration LOCK_LEASE = Duration.ofHours(2);
  /** Copies a plan names at most (8 MB of ids): a run that plans more writes several plans. */
  static final int COPIES_PER_PLAN = 250_000;

  private final Repository repository;
  private final RetentionConfig config;
  private final Clock clock;

  public GarbageCollector(Repository repository, RetentionConfig config, Clock clock) {
    this.repository = repository;
    this.config = config;
    this.clock = clock;
  }

  /**
   * What a run did.
   *
   * @param manifestsKept manifests left after retention
   * @param manifestsDeleted manifests retention deleted
   * @param chunksLive chunks the kept manifests name
   * @param chunksMissing chunks the kept manifests name that no pack holds (damage; never caused here)
   * @param chunksPlanned chunks newly planned for deletion
   * @param chunksDeleted chunks deleted (plans carried out)
   * @param packsDeleted packs deleted whole or after rewriting
   * @param packsRewritten packs whose needed chunks were copied to new packs
   * @param bytesFreed stored bytes of deleted chunks
   * @param manifestsLocked manifests retention would have deleted but the store still retains (S3 Object
   *     Lock): kept, and counted in {@code manifestsKept}
   * @param packsLocked packs that would have been deleted or rewritten but the store still retains: left
   *     as they are, their unreferenced chunks planned again by a later run
   * @param chunksLocked unreferenced chunks in those packs, not deleted
   */
  public record Report(int manifestsKept, int manifestsDeleted, long chunksLive, long chunksMissing, long chunksPlanned,
      long chunksDeleted, int packsDeleted, int packsRewritten, long bytesFreed, boolean skipped, String skippedReason,
      long durationMillis, int manifestsLocked, int packsLocked, long chunksLocked) {}

  /** Applies retention to every target and collects garbage; {@code progress} hears each step. */
  public Report run(Consumer<String> progress) {
    long started = System.nanoTime();
    BlobStore store = repository.store();
    Instant now = clock.instant();
    GcLock lock = new GcLock(store, repository.describe(), LOCK_LEASE, clock);
    if (!lock.acquire(now)) {
      return new Report(0, 0, 0, 0, 0, 0, 0, 0, 0, true, "another garbage collection holds " + LOCK, 0, 0, 0, 0);
    }
    try {
      int[] retained = applyRetention(progress, now);
      Instant ripe = now.minus(config.gcSafetyDelay());
      List<DeletionPlan> plans = new ArrayList<>();
      List<DeletionPlan> due = new ArrayList<>();
      List<DeletionPlan> obsolete = new ArrayList<>();
      for (DeletionPlan plan : readPlans(store)) {
        if (!plan.locatesCopies()) {
          obsolete.add(plan); // names chunks without their packs: planned again below, with them
        } else {
          plans.add(plan);
          if (!plan.created().isAfter(ripe)) {
            due.add(plan);
          }
        }
      }
      // Announced before marking: a writer whose manifest the marking below misses sees the announcement
      // after writing it, and withdraws the manifest if it names a chunk only these plans' copies hold.
      for (DeletionPlan plan : due) {
        store.putIfAbsent(plan.sweepKey(), new byte[0]);
      }

      ChunkStore chunks = repository.chunks();
      chunks.reload();
      ChunkIndex index = chunks.index();
      Set<String> oldIndexFiles = new HashSet<>(chunks.indexFiles());
      progress.accept("marking the chunks of " + retained[0] + " manifests among " + index.size() + " indexed chunks");
      Marking marking = Marking.of(repository, index);
      BitSet live = marking.live();

      Map<String, Instant> packTimes = new HashMap<>();
      store.list(Pack.PREFIX, info -> {
        if (Pack.isKey(info.key())) {
          packTimes.put(Pack.nameOf(info.key()), info.lastModified());
        }
      });

      // first pass, over every copy of every chunk: which packs lose chunks, and what to plan
      Map<String, Long> freed = new HashMap<>();
      Map<String, Long> goneCount = new HashMap<>();
      DeletionPlan.Builder newlyPlanned = new DeletionPlan.Builder();
      long[] plannedCount = {0};
      Set<String> stale = new HashSet<>();
      index.forEach((number, pack, entry) -> {
        Instant packTime = packTimes.get(pack);
        if (packTime == null) {
          stale.add(pack); // listed by an index file, but no longer stored
          return;
        }
        boolean needed = live.get(number);
        if (!needed && names(due, pack, entry.id())) {
          freed.merge(pack, (long) entry.length(), Long::sum);
          goneCount.merge(pack, 1L, Long::sum);
        } else if (!needed && !names(plans, pack, entry.id()) && !packTime.isAfter(ripe)) {
          newlyPlanned.add(pack, entry.id());
          plannedCount[0]++;
        }
      });
      if (!newlyPlanned.isEmpty()) {
        for (DeletionPlan plan : newlyPlanned.build(now, COPIES_PER_PLAN)) {
          store.putIfAbsent(plan.key(), plan.encode(repository.chunks().codec()));
        }
        progress.accept("planned " + plannedCount[0] + " unreferenced chunks for deletion after " + config.gcSafetyDelay());
      }

      // A pack the store still retains (Object Lock) is neither deleted nor rewritten: a delete would only
      // hide it behind a delete marker and free nothing, and a rewrite would store its kept chunks twice.
      // Its due chunks stay where they are, indexed; the due plan goes, and a later run plans them again.
      int packsLocked = 0;
      long chunksLocked = 0;
      for (String pack : new ArrayList<>(freed.keySet())) {
        java.util.Optional<Instant> until = store.lockedUntil(Pack.key(pack), now);
        if (until.isPresent()) {
          log.info("Pack {} of {} is retained by the store until {}: its {} unreferenced chunks stay", pack,
              repository.describe(), until.get(), goneCount.get(pack));
          packsLocked++;
          chunksLocked += goneCount.remove(pack);
          freed.remove(pack);
        }
      }
      if (packsLocked > 0) {
        progress.accept(packsLocked + " packs holding " + chunksLocked + " unreferenced chunks are retained by the store"
            + " (Object Lock): left in place");
      }

      lock.confirm();
      Set<String> dropped = new HashSet<>(freed.keySet());
      dropped.addAll(stale);
      int rewritten = 0;
      long chunksDeleted = 0;
      long bytesFreed = 0;
      if (!stale.isEmpty()) {
        log.warn("{} packs listed by index files of {} are no longer stored; the new index leaves them out", stale.size(),
            repository.describe());
      }
      for (String pack : freed.keySet()) {
        chunksDeleted += goneCount.get(pack);
        bytesFreed += freed.get(pack);
      }
      // the chunks that stay in the packs that lose some, copied to new packs
      for (Map<String, List<PackEntry>> stays : new PackRewrites(index, live, due, freed.keySet())) {
        for (Map.Entry<String, List<PackEntry>> pack : stays.entrySet()) {
          for (PackEntry entry : pack.getValue()) {
            chunks.putSealed(entry, chunks.readSealed(pack.getKey(), entry));
          }
          rewritten++;
        }
      }
      if (!dropped.isEmpty()) {
        progress.accept("deleting " + chunksDeleted + " chunks: " + freed.size() + " packs, " + rewritten + " of them rewritten");
        chunks.flush(); // rewritten chunks stored and indexed at their new places
        Set<String> whole = chunks.writeWholeIndex(dropped);
        for (String key : oldIndexFiles) {
          if (!whole.contains(key)) {
            store.delete(key);
          }
        }
        for (String pack : freed.keySet()) {
          store.delete(Pack.key(pack));
        }
      }
      for (DeletionPlan plan : due) {
        store.delete(plan.key());
      }
      for (DeletionPlan plan : obsolete) {
        store.delete(plan.key());
      }
      forgetSweeps(store, plans, due);
      if (!dropped.isEmpty()) {
        chunks.reload();
      }
      Report report = new Report(retained[0], retained[1], marking.count(), marking.missing(), plannedCount[0], chunksDeleted,
          freed.size(), rewritten, bytesFreed, false, null, (System.nanoTime() - started) / 1_000_000, retained[2], packsLocked,
          chunksLocked);
      log.info("Garbage collection of {}: {}", repository.describe(), report);
      return report;
    } finally {
      lock.release();
    }
  }

  static boolean names(List<DeletionPlan> plans, String pack, String id) {
    for (DeletionPlan plan : plans) {
      if (plan.names(pack, id)) {
        return true;
      }
    }
    return false;
  }

  /** Deletes the sweep announcements of every plan but those still waiting (a crashed run's too). */
  private static void forgetSweeps(BlobStore store, List<DeletionPlan> plans, List<DeletionPlan> due) {
    Set<String> waiting = new HashSet<>();
    plans.forEach(p -> waiting.add(p.sweepKey()));
    due.forEach(p -> waiting.remove(p.sweepKey()));
    List<String> done = new ArrayList<>();
    store.list(DeletionPlan.SWEEPS, info -> {
      if (!waiting.contains(info.key())) {
        done.add(info.key());
      }
    });
    done.forEach(store::delete);
  }

  /**
   * Deletes the manifests retention does not keep, except those the store still retains (Object Lock):
   * a snapshot the store cannot delete stays restorable, so it stays, with its chunks. Returns {kept,
   * deleted, kept because locked}.
   */
  private int[] applyRetention(Consumer<String> progress, Instant now) {
    Map<String, List<String>> byTarget = new LinkedHashMap<>();
    repository.manifests().listAll(key -> {
      int cut = key.lastIndexOf('/');
      byTarget.computeIfAbsent(key.substring(0, cut), t -> new ArrayList<>()).add(key.substring(cut + 1));
    });
    RetentionPolicy policy = new RetentionPolicy(config);
    int kept = 0;
    int deleted = 0;
    int locked = 0;
    for (Map.Entry<String, List<String>> target : byTarget.entrySet()) {
      for (Map.Entry<String, String> decision : policy.decide(target.getValue()).entrySet()) {
        String key = target.getKey() + "/" + decision.getKey();
        if (decision.getValue() != null) {
          kept++;
        } else if (repository.store().lockedUntil(key, now).isPresent()) {
          kept++;
          locked++;
        } else {
          repository.store().delete(key);
          deleted++;
        }
      }
    }
    progress.accept("retention kept " + kept + " snapshots (" + locked + " of them only because the store retains them)"
        + " and deleted " + deleted);
    return new int[] {kept, deleted, locked};
  }



  private List<DeletionPlan> readPlans(BlobStore store) {
    List<String> keys = new ArrayList<>();
    store.list(DeletionPlan.PREFIX, info -> {
      if (DeletionPlan.isKey(info.key())) {
        keys.add(info.key());
      }
    });
    List<DeletionPlan> plans = new ArrayList<>();
    for (String key : keys) {
      store.get(key).ifPresent(bytes -> plans.add(DeletionPlan.decode(key, bytes, repository.chunks().codec())));
    }
    return plans;
  }

  /** For tests and tools: the index files of the repository's store. */
  static List<String> indexFiles(BlobStore store) {
    List<String> keys = new ArrayList<>();
    store.list(IndexFile.PREFIX, info -> keys.add(info.key()));
    return keys;
  }
}
