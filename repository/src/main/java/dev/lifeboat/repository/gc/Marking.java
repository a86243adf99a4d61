package dev.lifeboat.repository.gc;

import dev.lifeboat.repository.ChunkStore.ChunkRef;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.pack.ChunkIndex;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chunks the manifests of a repository name: one bit per chunk of the in-memory index (memory is
 * the index itself, about 55 bytes a chunk, plus an eighth of a byte), set for every chunk a manifest
 * names; manifests are read one at a time. Every copy of a chunk has its chunk's number, so a chunk
 * named keeps all its copies.
 *
 * @param live the numbers ({@link ChunkIndex#numberOf}) of the chunks named
 * @param count how many chunks are named
 * @param missing how many named chunks no pack holds (damage; never caused by collection)
 */
record Marking(BitSet live, long count, long missing) {
  private static final Logger log = LoggerFactory.getLogger(Marking.class);

  /** Marks every chunk the repository's manifests name. */
  static Marking of(Repository repository, ChunkIndex index) {
    BitSet live = new BitSet(index.size());
    long[] missing = {0};
    long[] count = {0};
    List<String> keys = new ArrayList<>();
    repository.manifests().listAll(keys::add);
    for (String key : keys) {
      Optional<Manifest> manifest = repository.manifests().read(key);
      if (manifest.isEmpty()) {
        continue; // deleted since the listing
      }
      Consumer<List<ChunkRef>> markAll = refs -> {
        for (ChunkRef ref : refs) {
          int number = index.numberOf(ref.id());
          if (number < 0) {
            missing[0]++;
          } else if (!live.get(number)) {
            live.set(number);
            count[0]++;
          }
        }
      };
      Manifest m = manifest.get();
      if (m.streams() != null) {
        m.streams().forEach(s -> markAll.accept(s.chunks()));
      }
      if (m.files() != null) {
        m.files().stream().filter(f -> f.chunks() != null).forEach(f -> markAll.accept(f.chunks()));
      }
    }
    if (missing[0] > 0) {
      log.warn("{} chunks named by manifests in {} are in no pack: those snapshots are damaged", missing[0],
          repository.describe());
    }
    return new Marking(live, count[0], missing[0]);
  }
}
