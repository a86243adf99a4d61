package dev.lifeboat.repository.gc;

import dev.lifeboat.repository.pack.ChunkIndex;
import dev.lifeboat.repository.pack.DeletionPlan;
import dev.lifeboat.repository.pack.PackEntry;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The chunks that stay in the packs a collection frees some of (those a manifest names, and copies no
 * due plan names), in batches of packs holding at most {@link #BATCH} of them: one pass over the index
 * per batch, so the entries held at once stay bounded however many chunks the packs keep (a copy each
 * as an object would cost ten million chunks' worth of heap when garbage is spread over every pack).
 */
final class PackRewrites implements Iterable<Map<String, List<PackEntry>>> {
  /** Chunks a batch holds at most (besides a pack larger than that, which is a batch of its own). */
  static final int BATCH = 200_000;

  private final ChunkIndex index;
  private final BitSet live;
  private final List<DeletionPlan> due;
  private final List<List<String>> batches = new ArrayList<>();

  PackRewrites(ChunkIndex index, BitSet live, List<DeletionPlan> due, Set<String> packs) {
    this(index, live, due, packs, BATCH);
  }

  PackRewrites(ChunkIndex index, BitSet live, List<DeletionPlan> due, Set<String> packs, int batchSize) {
    this.index = index;
    this.live = live;
    this.due = due;
    Map<String, Long> staying = new LinkedHashMap<>();
    index.forEach((number, pack, entry) -> {
      if (packs.contains(pack) && stays(number, pack, entry)) {
        staying.merge(pack, 1L, Long::sum);
      }
    });
    List<String> batch = new ArrayList<>();
    long held = 0;
    for (Map.Entry<String, Long> pack : staying.entrySet()) {
      if (!batch.isEmpty() && held + pack.getValue() > batchSize) {
        batches.add(batch);
        batch = new ArrayList<>();
        held = 0;
      }
      batch.add(pack.getKey());
      held += pack.getValue();
    }
    if (!batch.isEmpty()) {
      batches.add(batch);
    }
  }

  private boolean stays(int number, String pack, PackEntry entry) {
    return live.get(number) || !GarbageCollector.names(due, pack, entry.id());
  }

  /** How many passes over the index the rewrites take. */
  int batches() {
    return batches.size();
  }

  @Override
  public Iterator<Map<String, List<PackEntry>>> iterator() {
    return new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return next < batches.size();
      }

      @Override
      public Map<String, List<PackEntry>> next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Set<String> packs = Set.copyOf(batches.get(next++));
        Map<String, List<PackEntry>> stays = new HashMap<>();
        index.forEach((number, pack, entry) -> {
          if (packs.contains(pack) && stays(number, pack, entry)) {
            stays.computeIfAbsent(pack, p -> new ArrayList<>()).add(entry);
          }
        });
        return stays;
      }
    };
  }
}
