package dev.lifeboat.repository.pack;

import dev.lifeboat.repository.chunk.ChunkCodec;
import dev.lifeboat.repository.chunk.ChunkCorruptedException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * An index file: for some packs, the chunks each holds. Sealed like a chunk and stored at {@code
 * index/<SHA-256 of the stored bytes>}, so it is never overwritten and a copy can be checked without
 * keys. Writers add index files; only garbage collection removes them, after writing one that
 * replaces them. The union of all index files is the repository's chunk index; anything missing from
 * it can be rebuilt from the packs' own headers.
 */
public final class IndexFile {
  public static final String PREFIX = "index/";
  private static final String LABEL = "index";
  private static final int NAME_BYTES = 32;
  private static final int ENTRY_BYTES = 32 + 12;

  private IndexFile() {}

  private static final java.util.regex.Pattern KEY = java.util.regex.Pattern.compile("index/[0-9a-f]{64}");

  /** Whether a listed key is an index file's (see {@link Pack#isKey}). */
  public static boolean isKey(String key) {
    return KEY.matcher(key).matches();
  }

  public static String key(String name) {
    return PREFIX + name;
  }

  /** A sealed index file of {@code packs} (pack name → its chunks) and the key to store it under. */
  public record Encoded(String key, byte[] bytes) {}

  public static Encoded encode(Map<String, List<PackEntry>> packs, ChunkCodec codec) {
    int size = 4;
    for (List<PackEntry> entries : packs.values()) {
      size += NAME_BYTES + 4 + entries.size() * ENTRY_BYTES;
    }
    ByteBuffer buffer = ByteBuffer.allocate(size);
    buffer.putInt(packs.size());
    HexFormat hex = HexFormat.of();
    packs.forEach((pack, entries) -> {
      buffer.put(hex.parseHex(pack)).putInt(entries.size());
      for (PackEntry e : entries) {
        buffer.put(hex.parseHex(e.id())).putInt(e.offset()).putInt(e.length()).putInt(e.size());
      }
    });
    byte[] sealed = codec.seal(LABEL, buffer.array());
    return new Encoded(key(PackFormat.sha256(sealed)), sealed);
  }

  /** The packs an index file lists; {@link PackCorruptedException} naming the file if it is damaged. */
  public static Map<String, List<PackEntry>> decode(String key, byte[] sealed, ChunkCodec codec) {
    Map<String, List<PackEntry>> packs = new LinkedHashMap<>();
    read(key, sealed, codec).forEachPack((pack, raw) -> {
      List<PackEntry> entries = new ArrayList<>(raw.count());
      byte[] id = new byte[32];
      HexFormat hex = HexFormat.of();
      for (int i = 0; i < raw.count(); i++) {
        raw.id(i, id);
        entries.add(new PackEntry(hex.formatHex(id), raw.offset(i), raw.length(i), raw.size(i)));
      }
      packs.put(pack, entries);
    });
    return packs;
  }

  /**
   * An index file opened and checked, its entries left in its bytes: a file listing a million chunks
   * costs its 44 MB, not a million objects ({@link ChunkIndex#addPack(String, ChunkIndex.RawEntries,
   * boolean)} takes them as they are). {@link PackCorruptedException} naming the file if it is damaged,
   * before anything is listed.
   */
  public static Listing read(String key, byte[] sealed, ChunkCodec codec) {
    String name = key.substring(PREFIX.length());
    if (!name.equals(PackFormat.sha256(sealed))) {
      throw new PackCorruptedException("index file " + key, "its bytes do not hash to its name", null);
    }
    byte[] plain;
    try {
      plain = codec.openSealed(LABEL, sealed);
    } catch (ChunkCorruptedException e) {
      throw new PackCorruptedException("index file " + key, "it does not open (" + e.getMessage() + ")", e);
    }
    try {
      ByteBuffer buffer = ByteBuffer.wrap(plain);
      int packCount = buffer.getInt();
      if (packCount < 0 || packCount > buffer.remaining() / (NAME_BYTES + 4)) {
        throw new PackCorruptedException("index file " + key, "it lists " + packCount + " packs", null);
      }
      int[] starts = new int[packCount];
      for (int p = 0; p < packCount; p++) {
        starts[p] = buffer.position();
        buffer.position(buffer.position() + NAME_BYTES);
        int count = buffer.getInt();
        if (count < 0 || (long) count * ENTRY_BYTES > buffer.remaining()) {
          throw new PackCorruptedException("index file " + key, "the index ends in the middle of an entry", null);
        }
        buffer.position(buffer.position() + count * ENTRY_BYTES);
      }
      if (buffer.hasRemaining()) {
        throw new PackCorruptedException("index file " + key, buffer.remaining() + " bytes left over after the last pack", null);
      }
      return new Listing(plain, starts);
    } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
      throw new PackCorruptedException("index file " + key, "the index ends in the middle of an entry", e);
    }
  }

  /** The packs of one index file, read from its plaintext as they are visited. */
  public static final class Listing {
    private final byte[] plain;
    private final int[] starts;

    private Listing(byte[] plain, int[] starts) {
      this.plain = plain;
      this.starts = starts;
    }

    /** How many chunks the file lists. */
    public long entries() {
      return (plain.length - 4L - starts.length * (NAME_BYTES + 4L)) / ENTRY_BYTES;
    }

    /** Visits each pack with its entries, in the file's order. */
    public void forEachPack(BiConsumer<String, ChunkIndex.RawEntries> visitor) {
      ByteBuffer buffer = ByteBuffer.wrap(plain);
      HexFormat hex = HexFormat.of();
      for (int start : starts) {
        String pack = hex.formatHex(plain, start, start + NAME_BYTES);
        int count = buffer.getInt(start + NAME_BYTES);
        int first = start + NAME_BYTES + 4;
        visitor.accept(pack, new ChunkIndex.RawEntries() {
          @Override
          public int count() {
            return count;
          }

          @Override
          public void id(int i, byte[] into) {
            System.arraycopy(plain, first + i * ENTRY_BYTES, into, 0, 32);
          }

          @Override
          public int offset(int i) {
            return buffer.getInt(first + i * ENTRY_BYTES + 32);
          }

          @Override
          public int length(int i) {
            return buffer.getInt(first + i * ENTRY_BYTES + 36);
          }

          @Override
          public int size(int i) {
            return buffer.getInt(first + i * ENTRY_BYTES + 40);
          }
        });
      }
    }
  }
}
