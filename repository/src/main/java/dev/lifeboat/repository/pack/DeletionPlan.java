package dev.lifeboat.repository.pack;

import dev.lifeboat.repository.chunk.ChunkCodec;
import dev.lifeboat.repository.chunk.ChunkCorruptedException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Chunks garbage collection found unreferenced and will delete once the plan is older than the
 * safety delay: {@code gc/plans/<UTC time>-<uuid>}, sealed. A plan names copies, not only chunks:
 * each chunk with the pack it was found in, so a fresh copy a writer stores elsewhere after reading
 * the plan is never deleted with it. Writers read the plans and do not reuse the chunks in them (they
 * store a fresh copy instead); a chunk that a manifest references by the time the plan is carried out
 * is kept.
 *
 * <p>Plans written before copies were recorded name chunks alone ({@link #locatesCopies()} false);
 * garbage collection does not carry them out but plans again, and writers treat every copy of their
 * chunks as planned.
 */
public final class DeletionPlan {
  public static final String PREFIX = "gc/plans/";
  /**
   * {@code gc/sweeps/<plan name>}: written by a garbage collection that is about to carry a plan out,
   * before it marks the chunks manifests name, and deleted when it is done. A writer that wrote a
   * manifest looks for these afterwards (see the repository's {@code ReferenceCheck}).
   */
  public static final String SWEEPS = "gc/sweeps/";
  private static final String LABEL = "gc-plan";
  private static final byte[] MAGIC = "LBD2".getBytes(StandardCharsets.US_ASCII);
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  /** The pack of the chunks of a plan that names chunks alone. */
  private static final String ANY_PACK = "";

  private final String key;
  private final Instant created;
  /** Pack → the chunks of that pack planned for deletion; one entry under {@link #ANY_PACK} for old plans. */
  private final Map<String, Set<String>> packs;
  private final Set<String> chunks;

  private DeletionPlan(String key, Instant created, Map<String, Set<String>> packs) {
    this.key = key;
    this.created = created;
    this.packs = packs;
    Set<String> all = new HashSet<>();
    packs.values().forEach(all::addAll);
    this.chunks = Collections.unmodifiableSet(all);
  }

  private static final java.util.regex.Pattern KEY =
      java.util.regex.Pattern.compile("gc/plans/[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  /** Whether a listed key is a plan's (see {@link Pack#isKey}). */
  public static boolean isKey(String key) {
    return KEY.matcher(key).matches();
  }

  /** A new plan for {@code packs} (pack → its chunks to delete). */
  public static DeletionPlan create(Instant now, Map<String, Set<String>> packs) {
    Map<String, Set<String>> copy = new HashMap<>();
    packs.forEach((pack, ids) -> copy.put(pack, Set.copyOf(ids)));
    return new DeletionPlan(PREFIX + TIME.format(now) + "-" + UUID.randomUUID(), now, copy);
  }

  public String key() {
    return key;
  }

  /** The name under {@link #PREFIX}. */
  public String name() {
    return key.substring(PREFIX.length());
  }

  /** Where a collection announces that it carries this plan out. */
  public String sweepKey() {
    return SWEEPS + name();
  }

  public Instant created() {
    return created;
  }

  /** Every chunk the plan names, in whichever pack. */
  public Set<String> chunks() {
    return chunks;
  }

  /** Whether the plan names the copy of {@code id} in {@code pack}. */
  public boolean names(String pack, String id) {
    Set<String> inPack = packs.get(pack);
    if (inPack != null && inPack.contains(id)) {
      return true;
    }
    Set<String> anywhere = packs.get(ANY_PACK);
    return anywhere != null && anywhere.contains(id);
  }

  /** False for plans written before plans recorded packs: those name a chunk's every copy. */
  public boolean locatesCopies() {
    return !packs.containsKey(ANY_PACK);
  }

  public byte[] encode(ChunkCodec codec) {
    int size = MAGIC.length + 8 + 4;
    for (Set<String> ids : packs.values()) {
      size += 32 + 4 + ids.size() * 32;
    }
    ByteBuffer buffer = ByteBuffer.allocate(size);
    buffer.put(MAGIC).putLong(created.toEpochMilli()).putInt(packs.size());
    HexFormat hex = HexFormat.of();
    packs.forEach((pack, ids) -> {
      buffer.put(hex.parseHex(pack)).putInt(ids.size());
      for (String id : ids) {
        buffer.put(hex.parseHex(id));
      }
    });
    return codec.seal(LABEL, buffer.array());
  }

  public static DeletionPlan decode(String key, byte[] sealed, ChunkCodec codec) {
    byte[] plain;
    try {
      plain = codec.openSealed(LABEL, sealed);
    } catch (ChunkCorruptedException e) {
      throw new PackCorruptedException("deletion plan " + key, "it does not open (" + e.getMessage() + ")", e);
    }
    try {
      return plain.length >= MAGIC.length && Arrays.equals(plain, 0, MAGIC.length, MAGIC, 0, MAGIC.length)
          ? decodeCopies(key, ByteBuffer.wrap(plain, MAGIC.length, plain.length - MAGIC.length))
          : decodeChunks(key, plain);
    } catch (java.nio.BufferUnderflowException e) {
      throw new PackCorruptedException("deletion plan " + key, "it ends in the middle of an entry", e);
    }
  }

  private static DeletionPlan decodeCopies(String key, ByteBuffer buffer) {
    Instant created = Instant.ofEpochMilli(buffer.getLong());
    int packCount = buffer.getInt();
    Map<String, Set<String>> packs = new HashMap<>();
    HexFormat hex = HexFormat.of();
    byte[] raw = new byte[32];
    for (int p = 0; p < packCount; p++) {
      buffer.get(raw);
      String pack = hex.formatHex(raw);
      int count = buffer.getInt();
      Set<String> ids = new HashSet<>(count * 2);
      for (int i = 0; i < count; i++) {
        buffer.get(raw);
        ids.add(hex.formatHex(raw));
      }
      packs.put(pack, ids);
    }
    if (buffer.hasRemaining()) {
      throw new PackCorruptedException("deletion plan " + key, buffer.remaining() + " bytes left over after the last pack", null);
    }
    return new DeletionPlan(key, created, packs);
  }

  /** The first format: the time, then chunk ids without their packs. */
  private static DeletionPlan decodeChunks(String key, byte[] plain) {
    ByteBuffer buffer = ByteBuffer.wrap(plain);
    Instant created = Instant.ofEpochMilli(buffer.getLong());
    int count = buffer.getInt();
    if (plain.length != 12 + (long) count * 32) {
      throw new PackCorruptedException("deletion plan " + key, "it lists " + count + " chunks in " + plain.length + " bytes", null);
    }
    Set<String> ids = new HashSet<>(count * 2);
    HexFormat hex = HexFormat.of();
    byte[] raw = new byte[32];
    for (int i = 0; i < count; i++) {
      buffer.get(raw);
      ids.add(hex.formatHex(raw));
    }
    return new DeletionPlan(key, created, Map.of(ANY_PACK, ids));
  }
}
