package dev.lifeboat.repository;

import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.chunk.ChunkCodec;
import dev.lifeboat.repository.pack.DeletionPlan;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The deletion plans of garbage collection as a writer knows them: which chunks not to reuse (a fresh
 * copy is stored instead), and which plans a collection is carrying out right now (those with a
 * sweep marker, {@link DeletionPlan#SWEEPS}). Plans are read once and kept until they are gone.
 */
final class KnownPlans {
  private final BlobStore store;
  private final ChunkCodec codec;
  private final Map<String, DeletionPlan> plans = new ConcurrentHashMap<>();

  KnownPlans(BlobStore store, ChunkCodec codec) {
    this.store = store;
    this.codec = codec;
  }

  /** Reads the plans written since the last look and forgets those carried out. */
  void refresh() {
    Set<String> current = new HashSet<>();
    store.list(DeletionPlan.PREFIX, info -> {
      current.add(info.key());
      if (DeletionPlan.isKey(info.key()) && !plans.containsKey(info.key())) {
        read(info.key());
      }
    });
    plans.keySet().retainAll(current);
  }

  void clear() {
    plans.clear();
  }

  /** Whether a plan read names the chunk (in any pack). */
  boolean planned(String id) {
    for (DeletionPlan plan : plans.values()) {
      if (plan.namesAnywhere(id)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The plans a garbage collection has announced it is carrying out (it marks the chunks manifests
   * name after the announcement). A marker whose plan is gone belongs to a collection that has finished.
   */
  List<DeletionPlan> sweeping() {
    List<String> names = new ArrayList<>();
    store.list(DeletionPlan.SWEEPS, info -> names.add(info.key().substring(DeletionPlan.SWEEPS.length())));
    List<DeletionPlan> found = new ArrayList<>();
    for (String name : names) {
      String key = DeletionPlan.PREFIX + name;
      if (!DeletionPlan.isKey(key)) {
        continue;
      }
      DeletionPlan plan = plans.get(key);
      if (plan == null) {
        plan = read(key).orElse(null);
      }
      if (plan != null) {
        found.add(plan);
      }
    }
    return found;
  }

  private Optional<DeletionPlan> read(String key) {
    Optional<DeletionPlan> plan = store.get(key).map(bytes -> DeletionPlan.decode(key, bytes, codec));
    plan.ifPresent(p -> plans.put(key, p));
    return plan;
  }
}
