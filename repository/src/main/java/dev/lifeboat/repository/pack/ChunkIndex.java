package dev.lifeboat.repository.pack;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.function.Consumer;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Which pack holds each chunk, in compact arrays rather than one object per chunk: 32 bytes of id and
 * four ints per chunk, in pages of {@value #PAGE} chunks (growing adds a page and never copies), plus
 * an open-addressing table of one int per slot, at most three quarters full: 54 to 59 bytes a chunk
 * (measured: see {@code gc/DESIGN.md}; ten million chunks, about 10 TiB at the default chunk size, in
 * about 530 MiB). Open addressing on the id's first four bytes; the first location added for a chunk
 * is where it is read from (a chunk stored twice by two writers is read from either). Other copies of
 * a chunk (two writers at once, or a fresh copy of a chunk planned for deletion) are kept on the side,
 * so that garbage collection sees, keeps and re-indexes every copy, not only the first. Thread-safe;
 * {@link #rebuild} replaces the contents in place, readers waiting meanwhile, so that there is never
 * a second index in memory.
 */
public final class ChunkIndex {
  private static final int ID_BYTES = 32;

  /** Where a chunk is. */
  public record Location(String pack, int offset, int length, int size) {}

  /**
   * Chunks a page; a power of two. A page's arrays (256 KiB of ids, 128 KiB of fields) stay under half
   * of G1's smallest region: larger ones are humongous objects, each given whole regions of its own (a
   * page of 65,536 chunks took five 1 MiB regions for its 3 MiB, 80 bytes a chunk instead of 48).
   */
  static final int PAGE = 1 << 13;
  private static final int PAGE_SHIFT = 13;
  private static final int FIELDS = 4; // pack, offset, length, size

  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private final List<String> packNames = new ArrayList<>();
  private final Map<String, Integer> packNumbers = new HashMap<>();
  private byte[][] idPages = new byte[0][];
  /** Per chunk: pack number, offset, length, plaintext size. */
  private int[][] fieldPages = new int[0][];
  private int[] slots = new int[2048]; // entry number + 1; 0 is free
  private int count;
  /** Entry number → the chunk's other copies (rare: only chunks stored more than once). */
  private final Map<Integer, List<Copy>> copies = new HashMap<>();
  private int copyCount;

  private record Copy(int pack, int offset, int length, int size) {}

  /** A pack's chunks as an index file lists them, raw (see {@link IndexFile.Listing}). */
  public interface RawEntries {
    int count();

    /** Copies the 32 bytes of entry {@code i}'s id into {@code into}. */
    void id(int i, byte[] into);

    int offset(int i);

    int length(int i);

    int size(int i);
  }

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
      if (entry < 0) {
        return null;
      }
      int[] f = fields(entry);
      int at = at(entry);
      return new Location(packNames.get(f[at]), f[at + 1], f[at + 2], f[at + 3]);
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
    addPack(pack, new RawEntries() {
      @Override
      public int count() {
        return entries.size();
      }

      @Override
      public void id(int i, byte[] into) {
        System.arraycopy(HexFormat.of().parseHex(entries.get(i).id()), 0, into, 0, ID_BYTES);
      }

      @Override
      public int offset(int i) {
        return entries.get(i).offset();
      }

      @Override
      public int length(int i) {
        return entries.get(i).length();
      }

      @Override
      public int size(int i) {
        return entries.get(i).size();
      }
    }, replace);
  }

  /** As {@link #addPack(String, List, boolean)}, from an index file's bytes without a string per chunk. */
  public void addPack(String pack, RawEntries entries, boolean replace) {
    lock.writeLock().lock();
    try {
      int number = packNumbers.computeIfAbsent(pack, p -> {
        packNames.add(p);
        return packNames.size() - 1;
      });
      byte[] raw = new byte[ID_BYTES];
      for (int i = 0; i < entries.count(); i++) {
        entries.id(i, raw);
        int existing = find(raw);
        if (existing >= 0) {
          addCopy(existing, new Copy(number, entries.offset(i), entries.length(i), entries.size(i)), replace);
          continue;
        }
        if ((count + 1) * 4L > slots.length * 3L) {
          grow();
        }
        if (count == idPages.length * PAGE) {
          idPages = Arrays.copyOf(idPages, idPages.length + 1);
          idPages[idPages.length - 1] = new byte[PAGE * ID_BYTES];
          fieldPages = Arrays.copyOf(fieldPages, fieldPages.length + 1);
          fieldPages[fieldPages.length - 1] = new int[PAGE * FIELDS];
        }
        System.arraycopy(raw, 0, idPages[count >>> PAGE_SHIFT], idAt(count), ID_BYTES);
        int[] f = fields(count);
        int at = at(count);
        f[at] = number;
        f[at + 1] = entries.offset(i);
        f[at + 2] = entries.length(i);
        f[at + 3] = entries.size(i);
        insert(count);
        count++;
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Empties the index and fills it again with {@code loader}, holding the index meanwhile: readers and
   * writers of other threads wait until it is done, so nobody sees it half read, and the old contents
   * are dropped before the new are read (one index in memory, not two). If {@code loader} fails, the
   * index holds what it had read by then.
   */
  public void rebuild(Consumer<ChunkIndex> loader) {
    lock.writeLock().lock();
    try {
      packNames.clear();
      packNumbers.clear();
      idPages = new byte[0][];
      fieldPages = new int[0][];
      slots = new int[2048];
      count = 0;
      copies.clear();
      copyCount = 0;
      loader.accept(this);
    } finally {
      lock.writeLock().unlock();
    }
  }

  private int[] fields(int entry) {
    return fieldPages[entry >>> PAGE_SHIFT];
  }

  private static int at(int entry) {
    return (entry & (PAGE - 1)) * FIELDS;
  }

  private static int idAt(int entry) {
    return (entry & (PAGE - 1)) * ID_BYTES;
  }

  private byte[] idPage(int entry) {
    return idPages[entry >>> PAGE_SHIFT];
  }

  private void addCopy(int entry, Copy copy, boolean replace) {
    int[] f = fields(entry);
    int at = at(entry);
    if (f[at] == copy.pack()) {
      return; // this copy is the one read from
    }
    List<Copy> others = copies.computeIfAbsent(entry, n -> new ArrayList<>(1));
    boolean known = others.removeIf(c -> c.pack() == copy.pack());
    if (!replace) {
      others.add(copy);
      copyCount += known ? 0 : 1;
      return;
    }
    others.add(new Copy(f[at], f[at + 1], f[at + 2], f[at + 3]));
    copyCount += known ? 0 : 1;
    f[at] = copy.pack();
    f[at + 1] = copy.offset();
    f[at + 2] = copy.length();
    f[at + 3] = copy.size();
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
      found.add(packNames.get(fields(entry)[at(entry)]));
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
        int[] f = fields(i);
        int at = at(i);
        visitor.visit(i, packNames.get(f[at]), new PackEntry(hex.formatHex(idPage(i), idAt(i), idAt(i) + ID_BYTES),
            f[at + 1], f[at + 2], f[at + 3]));
      }
      for (Map.Entry<Integer, List<Copy>> other : copies.entrySet()) {
        int i = other.getKey();
        String id = hex.formatHex(idPage(i), idAt(i), idAt(i) + ID_BYTES);
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
      if (Arrays.equals(idPage(entry), idAt(entry), idAt(entry) + ID_BYTES, raw, 0, ID_BYTES)) {
        return entry;
      }
    }
  }

  private void insert(int entry) {
    int mask = slots.length - 1;
    int slot = hash(idPage(entry), idAt(entry)) & mask;
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
