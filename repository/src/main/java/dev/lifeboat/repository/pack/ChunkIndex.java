package dev.lifeboat.repository.pack;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Which pack holds each chunk, in compact arrays rather than one object per chunk: about 60 bytes
 * per chunk (a repository of a million chunks, about 1 TiB at the default chunk size, indexes in
 * ~60 MiB). Open addressing on the id's first eight bytes; the first location added for a chunk
 * is where it is read from (a chunk stored twice by two writers is read from either). Other copies of
 * a chunk (two writers at once, or a fresh copy of a chunk planned for deletion) are kept on the side,
 * so that garbage collection sees, keeps and re-indexes every copy, not only the first. Thread-safe.
 */
public final class ChunkIndex {
  private static final int ID_BYTES = 32;

  /** Where a chunk is. */
  public record Location(String pack, int offset, int length, int size) {}

  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private final List<String> packNames = new ArrayList<>();
  private final Map<String, Integer> packNumbers = new HashMap<>();
  private byte[] ids = new byte[ID_BYTES * 1024];
  private int[] packs = new int[1024];
  private int[] offsets = new int[1024];
  private int[] lengths = new int[1024];
  private int[] sizes = new int[1024];
  private int[] slots = new int[2048]; // entry number + 1; 0 is free
  private int count;
  /** Entry number → the chunk's other copies (rare: only chunks stored more than once). */
  private final Map<Integer, List<Copy>> copies = new HashMap<>();
  private int copyCount;

  private record Copy(int pack, int offset, int length, int size) {}

  public int size() {
    lock.readLock().lock();
    try {
      return count;
    } finally {
      lock.readLock().unlock();
    }
  }

  public boolean contains(String id) {
    byte[] raw = HexFormat.of().parseHex(id);
    lock.readLock().lock();
    try {
      return find(raw) >= 0;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The chunk's location, or null if no indexed pack holds it. */
  public Location get(String id) {
    byte[] raw = HexFormat.of().parseHex(id);
    lock.readLock().lock();
    try {
      int entry = find(raw);
      return entry < 0 ? null
          : new Location(packNames.get(packs[entry]), offsets[entry], lengths[entry], sizes[entry]);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Chunks and other copies of chunks, as {@link #forEach} visits them. */
  public int locations() {
    lock.readLock().lock();
    try {
      return count + copyCount;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Indexes every chunk of a pack. A chunk indexed in another pack already keeps both copies; the
   * one read from is the first, unless {@code replace}.
   *
   * @param replace whether a chunk already indexed is read from this pack from now on (a writer that
   *     has just stored it knows this copy exists) or keeps its first location (loading index files)
   */
  public void addPack(String pack, List<PackEntry> entries, boolean replace) {
    lock.writeLock().lock();
    try {
      int number = packNumbers.computeIfAbsent(pack, p -> {
        packNames.add(p);
        return packNames.size() - 1;
      });
      for (PackEntry e : entries) {
        byte[] raw = HexFormat.of().parseHex(e.id());
        int existing = find(raw);
        if (existing >= 0) {
          addCopy(existing, new Copy(number, e.offset(), e.length(), e.size()), replace);
          continue;
        }
        if ((count + 1) * 4L > slots.length * 3L) {
          grow();
        }
        if (count == packs.length) {
          int capacity = packs.length * 2;
          ids = Arrays.copyOf(ids, capacity * ID_BYTES);
          packs = Arrays.copyOf(packs, capacity);
          offsets = Arrays.copyOf(offsets, capacity);
          lengths = Arrays.copyOf(lengths, capacity);
          sizes = Arrays.copyOf(sizes, capacity);
        }
        System.arraycopy(raw, 0, ids, count * ID_BYTES, ID_BYTES);
        packs[count] = number;
        offsets[count] = e.offset();
        lengths[count] = e.length();
        sizes[count] = e.size();
        insert(count);
        count++;
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void addCopy(int entry, Copy copy, boolean replace) {
    if (packs[entry] == copy.pack()) {
      return; // this copy is the one read from
    }
    List<Copy> others = copies.computeIfAbsent(entry, n -> new ArrayList<>(1));
    boolean known = others.removeIf(c -> c.pack() == copy.pack());
    if (!replace) {
      others.add(copy);
      copyCount += known ? 0 : 1;
      return;
    }
    others.add(new Copy(packs[entry], offsets[entry], lengths[entry], sizes[entry]));
    copyCount += known ? 0 : 1;
    packs[entry] = copy.pack();
    offsets[entry] = copy.offset();
    lengths[entry] = copy.length();
    sizes[entry] = copy.size();
  }

  /** The packs holding a copy of a chunk, the one it is read from first; empty if none. */
  public List<String> packsOf(String id) {
    byte[] raw = HexFormat.of().parseHex(id);
    lock.readLock().lock();
    try {
      int entry = find(raw);
      if (entry < 0) {
        return List.of();
      }
      List<String> found = new ArrayList<>(2);
      found.add(packNames.get(packs[entry]));
      for (Copy c : copies.getOrDefault(entry, List.of())) {
        found.add(packNames.get(c.pack()));
      }
      return found;
    } finally {
      lock.readLock().unlock();
    }
  }

  public boolean hasPack(String pack) {
    lock.readLock().lock();
    try {
      return packNumbers.containsKey(pack);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Visits every indexed chunk with its number ({@code 0..size-1}, stable while nothing is added) and
   * location, then every other copy of a chunk, with the number of its chunk.
   */
  public void forEach(Visitor visitor) {
    lock.readLock().lock();
    try {
      HexFormat hex = HexFormat.of();
      for (int i = 0; i < count; i++) {
        visitor.visit(i, packNames.get(packs[i]), new PackEntry(hex.formatHex(ids, i * ID_BYTES, (i + 1) * ID_BYTES),
            offsets[i], lengths[i], sizes[i]));
      }
      for (Map.Entry<Integer, List<Copy>> other : copies.entrySet()) {
        int i = other.getKey();
        String id = hex.formatHex(ids, i * ID_BYTES, (i + 1) * ID_BYTES);
        for (Copy c : other.getValue()) {
          visitor.visit(i, packNames.get(c.pack()), new PackEntry(id, c.offset(), c.length(), c.size()));
        }
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The number of an indexed chunk (see {@link #forEach}), or -1. */
  public int numberOf(String id) {
    byte[] raw = HexFormat.of().parseHex(id);
    lock.readLock().lock();
    try {
      return find(raw);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Receives one chunk of the index. */
  @FunctionalInterface
  public interface Visitor {
    void visit(int number, String pack, PackEntry entry);
  }

  private int find(byte[] raw) {
    int mask = slots.length - 1;
    for (int slot = hash(raw, 0) & mask; ; slot = (slot + 1) & mask) {
      int entry = slots[slot] - 1;
      if (entry < 0) {
        return -1;
      }
      if (Arrays.equals(ids, entry * ID_BYTES, (entry + 1) * ID_BYTES, raw, 0, ID_BYTES)) {
        return entry;
      }
    }
  }

  private void insert(int entry) {
    int mask = slots.length - 1;
    int slot = hash(ids, entry * ID_BYTES) & mask;
    while (slots[slot] != 0) {
      slot = (slot + 1) & mask;
    }
    slots[slot] = entry + 1;
  }

  private void grow() {
    slots = new int[slots.length * 2];
    for (int i = 0; i < count; i++) {
      insert(i);
    }
  }

  /** Chunk ids are uniformly distributed MACs: their first four bytes are a good hash. */
  private static int hash(byte[] bytes, int from) {
    return (bytes[from] & 0xff) << 24 | (bytes[from + 1] & 0xff) << 16 | (bytes[from + 2] & 0xff) << 8 | (bytes[from + 3] & 0xff);
  }
}
