package dev.lifeboat.repository.pack;

import dev.lifeboat.repository.chunk.ChunkCodec;
import dev.lifeboat.repository.chunk.ChunkCorruptedException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The bytes of a pack: sealed chunks one after another, then the pack's header (the list of its
 * chunks: id, offset, length, plaintext size), sealed like a chunk, then an 8-byte trailer: the
 * header's length (4 bytes, big-endian) and the magic {@code LBP1}. The header makes a pack
 * self-describing, so the index can be rebuilt from the packs alone (after a crash between a pack's
 * upload and its index, or when an index is lost). A pack is named by the SHA-256 of its bytes, so a
 * copy can be checked without the repository's keys.
 */
public final class PackFormat {
  static final byte[] MAGIC = "LBP1".getBytes(StandardCharsets.US_ASCII);
  public static final int TRAILER = 8;
  private static final int ID_BYTES = 32;
  private static final int ENTRY_BYTES = ID_BYTES + 12;
  private static final String HEADER_LABEL = "pack-header";

  private PackFormat() {}

  /** Builds one pack; not thread-safe. */
  public static final class Builder {
    private final ByteArrayOutputStream out;
    private final List<PackEntry> entries = new ArrayList<>();

    public Builder(int expectedSize) {
      this.out = new ByteArrayOutputStream(expectedSize);
    }

    public void add(String id, byte[] sealed, int plaintextSize) {
      entries.add(new PackEntry(id, out.size(), sealed.length, plaintextSize));
      out.write(sealed, 0, sealed.length);
    }

    public int size() {
      return out.size();
    }

    public boolean isEmpty() {
      return entries.isEmpty();
    }

    public Pack finish(ChunkCodec codec) {
      byte[] header = codec.seal(HEADER_LABEL, encodeHeader(entries));
      out.write(header, 0, header.length);
      out.write(ByteBuffer.allocate(TRAILER).putInt(header.length).put(MAGIC).array(), 0, TRAILER);
      byte[] bytes = out.toByteArray();
      return new Pack(sha256(bytes), bytes, List.copyOf(entries));
    }
  }

  static byte[] encodeHeader(List<PackEntry> entries) {
    ByteBuffer buffer = ByteBuffer.allocate(4 + entries.size() * ENTRY_BYTES);
    buffer.putInt(entries.size());
    HexFormat hex = HexFormat.of();
    for (PackEntry e : entries) {
      buffer.put(hex.parseHex(e.id())).putInt(e.offset()).putInt(e.length()).putInt(e.size());
    }
    return buffer.array();
  }

  /** The header's length, from a pack's last {@link #TRAILER} bytes; {@link PackCorruptedException} if they are no trailer. */
  public static int headerLength(String pack, byte[] trailer) {
    if (trailer.length != TRAILER || !MessageDigest.isEqual(MAGIC, java.util.Arrays.copyOfRange(trailer, 4, 8))) {
      throw new PackCorruptedException("pack " + pack, "the pack has no valid trailer", null);
    }
    int length = ByteBuffer.wrap(trailer).getInt();
    if (length <= 0) {
      throw new PackCorruptedException("pack " + pack, "the pack's header length is " + length, null);
    }
    return length;
  }

  /**
   * The chunks a stored pack's header lists, read with two ranged reads (trailer, then header); empty
   * if the pack is gone; {@link PackCorruptedException} if its trailer or header is damaged.
   */
  public static java.util.Optional<List<PackEntry>> readHeader(dev.lifeboat.repository.blob.BlobStore store, String key, long size,
      ChunkCodec codec) {
    String name = Pack.nameOf(key);
    if (size < TRAILER) {
      throw new PackCorruptedException("pack " + name, "it has only " + size + " bytes", null);
    }
    java.util.Optional<byte[]> trailer = store.getRange(key, size - TRAILER, TRAILER);
    if (trailer.isEmpty()) {
      return java.util.Optional.empty();
    }
    int headerLength = headerLength(name, trailer.get());
    if (headerLength > size - TRAILER) {
      throw new PackCorruptedException("pack " + name, "its header of " + headerLength + " bytes is longer than the pack", null);
    }
    return store.getRange(key, size - TRAILER - headerLength, headerLength).map(header -> readHeader(name, header, codec));
  }

  /** The chunks listed in a pack's sealed header. */
  public static List<PackEntry> readHeader(String pack, byte[] sealedHeader, ChunkCodec codec) {
    byte[] plain;
    try {
      plain = codec.openSealed(HEADER_LABEL, sealedHeader);
    } catch (ChunkCorruptedException e) {
      throw new PackCorruptedException("pack " + pack, "its header " + e.getMessage().replaceFirst("^chunk pack-header is corrupted: ", "does not open: "), e);
    }
    ByteBuffer buffer = ByteBuffer.wrap(plain);
    int count = buffer.getInt();
    if (count < 0 || plain.length != 4 + (long) count * ENTRY_BYTES) {
      throw new PackCorruptedException("pack " + pack, "the pack's header lists " + count + " chunks in " + plain.length + " bytes", null);
    }
    List<PackEntry> entries = new ArrayList<>(count);
    HexFormat hex = HexFormat.of();
    byte[] id = new byte[ID_BYTES];
    for (int i = 0; i < count; i++) {
      buffer.get(id);
      entries.add(new PackEntry(hex.formatHex(id), buffer.getInt(), buffer.getInt(), buffer.getInt()));
    }
    return entries;
  }

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
