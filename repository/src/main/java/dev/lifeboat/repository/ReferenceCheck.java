package dev.lifeboat.repository;

import dev.lifeboat.repository.ChunkStore.ChunkRef;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.pack.ChunkIndex;
import dev.lifeboat.repository.pack.DeletionPlan;
import dev.lifeboat.repository.pack.IndexFile;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Keeps a manifest from naming a chunk that garbage collection deleted, or is deleting, while its
 * snapshot ran; see {@code gc/DESIGN.md}. Both sides write, then look:
 *
 * <ul>
 *   <li>a collection announces the plans it carries out ({@link DeletionPlan#SWEEPS}) before it marks
 *       the chunks manifests name, and replaces every index file before it deletes a pack;
 *   <li>a writer checks before it writes a manifest ({@link #before}): a collection that finished
 *       since has replaced the index files, so the index is read again and every chunk the manifest
 *       names must still be in it, with a copy no announced plan names. After writing ({@link #after})
 *       it looks again: if a collection has been announced, or has replaced the index files, since
 *       then, its marking may have missed the manifest, and the same check runs.
 * </ul>
 *
 * A manifest that fails either check is not kept ({@link CollectedChunkException}). Cost when no
 * collection runs: two listings before the manifest is written (plans, index files; the sweeps
 * listing is a third) and two after, plus an in-memory lookup per chunk the manifest names.
 */
final class ReferenceCheck {
  private final BlobStore store;
  private final ChunkStore chunks;

  ReferenceCheck(BlobStore store, ChunkStore chunks) {
    this.store = store;
    this.chunks = chunks;
  }

  /** What the writer saw just before writing the manifest. */
  record Seen(Set<String> indexFiles) {}

  /** Throws {@link CollectedChunkException} if the manifest must not be written. */
  Seen before(String key, Manifest manifest) {
    chunks.refresh(); // reads the whole index again if a collection replaced it since the last look
    Set<String> files = chunks.indexFiles();
    verify(key, manifest, chunks.plans().sweeping());
    return new Seen(files);
  }

  /**
   * Throws {@link CollectedChunkException} if the manifest just written must be withdrawn. Sweeps are
   * listed before index files: a collection deletes index files before it withdraws its announcement.
   */
  void after(String key, Manifest manifest, Seen seen) {
    List<DeletionPlan> sweeping = chunks.plans().sweeping();
    Set<String> listed = new HashSet<>();
    store.list(IndexFile.PREFIX, info -> listed.add(info.key()));
    boolean replaced = !listed.containsAll(seen.indexFiles());
    if (replaced) {
      chunks.reload();
    }
    if (replaced || !sweeping.isEmpty()) {
      verify(key, manifest, sweeping);
    }
  }

  private void verify(String key, Manifest manifest, List<DeletionPlan> sweeping) {
    ChunkIndex index = chunks.index();
    String[] first = {null, null};
    long[] affected = {0};
    forEachChunk(manifest, id -> {
      String problem = problem(index.packsOf(id), id, sweeping);
      if (problem != null) {
        affected[0]++;
        if (first[0] == null) {
          first[0] = id;
          first[1] = problem;
        }
      }
    });
    if (first[0] != null) {
      throw new CollectedChunkException(first[0], "manifest " + key + " is not kept: chunk " + first[0] + " it names "
          + first[1] + (affected[0] > 1 ? " (and " + (affected[0] - 1) + " more of its chunks)" : "")
          + ". The snapshot took it as stored before garbage collection planned it and ran longer than the"
          + " collection's safety delay (retention.gcSafetyDelay); taken again, the snapshot stores it afresh");
    }
  }

  /** Why the chunk cannot be named, or null if it can: it is gone, or every copy of it is being deleted. */
  private static String problem(List<String> packs, String id, List<DeletionPlan> sweeping) {
    if (packs.isEmpty()) {
      return "is in no pack of the repository any more (garbage collection deleted it while the snapshot ran)";
    }
    Set<String> deleting = new TreeSet<>();
    for (String pack : packs) {
      DeletionPlan plan = sweeping.stream().filter(p -> p.names(pack, id)).findFirst().orElse(null);
      if (plan == null) {
        return null; // this copy stays
      }
      deleting.add(plan.key());
    }
    return "is being deleted by garbage collection (" + String.join(", ", deleting) + ")";
  }

  private static void forEachChunk(Manifest manifest, Consumer<String> each) {
    if (manifest.streams() != null) {
      for (Manifest.Stream s : manifest.streams()) {
        s.chunks().forEach(ref -> each.accept(ref.id()));
      }
    }
    if (manifest.files() != null) {
      for (Manifest.FileEntry f : manifest.files()) {
        if (f.chunks() != null) {
          for (ChunkRef ref : f.chunks()) {
            each.accept(ref.id());
          }
        }
      }
    }
  }
}
