package dev.lifeboat.bench.chaos;

import dev.lifeboat.repository.blob.BlobStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Flips one bit in objects of a repository, as a failing disk or a bad copy would: packs, index files
 * and change-log segments, picked at random. Each damaged object is remembered, so that the run can
 * tell which ones something caught.
 */
final class Corruptions {
  /** One flipped bit: where, and in which object. */
  record Damage(String store, String key, long position) {}

  private final Random random;

  Corruptions(Random random) {
    this.random = random;
  }

  /** Flips a bit in {@code count} objects of {@code store}, each a pack, an index file or a segment in turn. */
  List<Damage> flip(String name, BlobStore store, int count) {
    List<String> packs = keys(store, "packs/");
    List<String> index = keys(store, "index/");
    List<String> segments = keys(store, "changelog/");
    List<List<String>> kinds = List.of(packs, index, segments);
    List<Damage> done = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      List<String> from = kinds.get(i % kinds.size());
      if (from.isEmpty()) {
        from = packs;
      }
      if (from.isEmpty()) {
        break;
      }
      String key = from.remove(random.nextInt(from.size()));
      store.get(key).ifPresent(bytes -> {
        int at = random.nextInt(bytes.length);
        bytes[at] ^= (byte) (1 << random.nextInt(8));
        store.delete(key);
        store.putIfAbsent(key, bytes);
        done.add(new Damage(name, key, at));
      });
    }
    return done;
  }

  private static List<String> keys(BlobStore store, String prefix) {
    List<String> keys = new ArrayList<>();
    store.list(prefix, info -> keys.add(info.key()));
    return keys;
  }
}
