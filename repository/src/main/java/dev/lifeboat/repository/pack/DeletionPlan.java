package dev.lifeboat.repository.pack;

import dev.lifeboat.repository.chunk.ChunkCodec;
import dev.lifeboat.repository.chunk.ChunkCorruptedException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
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
  /** Pack names, by number; {@link #ANY_PACK} in old plans. */
  private final List<String> packNames;
  /** Copy {@code i}: its chunk's id at {@code ids[32 i ..]}, its pack's number at {@code packOf[i]}. */
  private final byte[] ids;
  private final int[] packOf;
  /** (first four bytes of the id, unsigned) << 32 | copy number, sorted: a binary search finds a chunk's copies. */
  private final long[] sorted;

  private DeletionPlan(String key, Instant created, List<String> packNames, byte[] ids, int[] packOf) {
    this.key = key;
    this.created = created;
    this.packNames = packNames;
    this.ids = ids;
    this.packOf = packOf;
    this.sorted = new long[packOf.length];
    for (int i = 0; i < packOf.length; i++) {
      sorted[i] = prefix(ids, i * 32) << 32 | i;
    }
    Arrays.sort(sorted);
  }

  private static long prefix(byte[] raw, int from) {
    return (raw[from] & 0xffL) << 24 | (raw[from + 1] & 0xffL) << 16 | (raw[from + 2] & 0xffL) << 8 | (raw[from + 3] & 0xffL);
  }

  /**
   * Gathers the copies a collection plans, 36 bytes each (the id's 32 and the pack's number) rather
   * than a string and a set entry: a plan of two million chunks costs about 90 MB to build, not 700.
   */
  public static final class Builder {
    private final List<String> packNames = new ArrayList<>();
    private final Map<String, Integer> packNumbers = new HashMap<>();
    private byte[] ids = new byte[32 * 1024];
    private int[] packOf = new int[1024];
    private int count;

    /** Adds the copy of chunk {@code id} (hex) in {@code pack}. */
    public Builder add(String pack, String id) {
      int number = packNumbers.computeIfAbsent(pack, p -> {
        packNames.add(p);
        return packNames.size() - 1;
      });
      if (count == packOf.length) {
        int capacity = count + (count >> 1);
        ids = Arrays.copyOf(ids, capacity * 32);
        packOf = Arrays.copyOf(packOf, capacity);
      }
      System.arraycopy(HexFormat.of().parseHex(id), 0, ids, count * 32, 32);
      packOf[count++] = number;
      return this;
    }

    public int size() {
      return count;
    }

    public boolean isEmpty() {
      return count == 0;
    }

    /** The plan, created at {@code now}. */
    public DeletionPlan build(Instant now) {
      return slice(now, 0, count);
    }

    /**
     * The copies gathered, as plans of at most {@code most} copies each, all created at {@code now}:
     * each is built when the iteration reaches it, so a caller that stores one before taking the next
     * holds one plan's bytes at a time (a plan is sealed whole: two million copies would be 64 MB of
     * plaintext and as much sealed).
     */
    public Iterable<DeletionPlan> build(Instant now, int most) {
      return () -> new java.util.Iterator<>() {
        private int from;

        @Override
        public boolean hasNext() {
          return from < count;
        }

        @Override
        public DeletionPlan next() {
          if (!hasNext()) {
            throw new java.util.NoSuchElementException();
          }
          int to = (int) Math.min(count, (long) from + most);
          DeletionPlan plan = slice(now, from, to);
          from = to;
          return plan;
        }
      };
    }

    private DeletionPlan slice(Instant now, int from, int to) {
      return new DeletionPlan(PREFIX + TIME.format(now) + "-" + UUID.randomUUID(), now, List.copyOf(packNames),
          Arrays.copyOfRange(ids, from * 32, to * 32), Arrays.copyOfRange(packOf, from, to));
    }
  }

  private static final java.util.regex.Pattern KEY =
      java.util.regex.Pattern.compile("gc/plans/[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  /** Whether a listed key is a plan's (see {@link Pack#isKey}). */
  public static boolean isKey(String key) {
    return KEY.matcher(key).matches();
  }

  /** A new plan for {@code packs} (pack → its chunks to delete). */
  public static DeletionPlan create(Instant now, Map<String, Set<String>> packs) {
    Builder builder = new Builder();
    packs.forEach((pack, ids) -> ids.forEach(id -> builder.add(pack, id)));
    return builder.build(now);
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

  /** Every chunk the plan names, in whichever pack: a string each, for tests and small plans. */
  public Set<String> chunks() {
    Set<String> all = new HashSet<>();
    HexFormat hex = HexFormat.of();
    for (int i = 0; i < packOf.length; i++) {
      all.add(hex.formatHex(ids, i * 32, i * 32 + 32));
    }
    return Collections.unmodifiableSet(all);
  }

  /** How many copies the plan names. */
  public int size() {
    return packOf.length;
  }

  /** Whether the plan names a copy of {@code id}, in whichever pack. */
  public boolean namesAnywhere(String id) {
    return find(id, null);
  }

  /** Whether the plan names the copy of {@code id} in {@code pack}. */
  public boolean names(String pack, String id) {
    return find(id, pack);
  }

  /** Whether a copy of {@code id} is named in {@code pack} (or in any pack, if null). */
  private boolean find(String id, String pack) {
    byte[] raw = HexFormat.of().parseHex(id);
    long prefix = prefix(raw, 0);
    int at = Arrays.binarySearch(sorted, prefix << 32);
    for (int i = at < 0 ? -at - 1 : at; i < sorted.length && sorted[i] >>> 32 == prefix; i++) {
      int copy = (int) sorted[i];
      if (Arrays.equals(ids, copy * 32, copy * 32 + 32, raw, 0, 32)) {
        String in = packNames.get(packOf[copy]);
        if (pack == null || in.equals(pack) || in.equals(ANY_PACK)) {
          return true;
        }
      }
    }
    return false;
  }

  /** False for plans written before plans recorded packs: those name a chunk's every copy. */
  public boolean locatesCopies() {
    return !packNames.contains(ANY_PACK);
  }

  public byte[] encode(ChunkCodec codec) {
    int[] perPack = new int[packNames.size()];
    for (int p : packOf) {
      perPack[p]++;
    }
    int packs = 0;
    for (int n : perPack) {
      packs += n > 0 ? 1 : 0;
    }
    ByteBuffer buffer = ByteBuffer.allocate(MAGIC.length + 8 + 4 + packs * (32 + 4) + packOf.length * 32);
    buffer.put(MAGIC).putLong(created.toEpochMilli()).putInt(packs);
    // copies grouped by pack: the order a counting sort by pack number gives
    int[] start = new int[perPack.length];
    for (int p = 1; p < perPack.length; p++) {
      start[p] = start[p - 1] + perPack[p - 1];
    }
    int[] byPack = new int[packOf.length];
    int[] next = start.clone();
    for (int i = 0; i < packOf.length; i++) {
      byPack[next[packOf[i]]++] = i;
    }
    HexFormat hex = HexFormat.of();
    for (int p = 0; p < perPack.length; p++) {
      if (perPack[p] == 0) {
        continue;
      }
      buffer.put(hex.parseHex(packNames.get(p))).putInt(perPack[p]);
      for (int j = start[p]; j < start[p] + perPack[p]; j++) {
        buffer.put(ids, byPack[j] * 32, 32);
      }
    }
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
    if (packCount < 0 || packCount > buffer.remaining() / 36) {
      throw new PackCorruptedException("deletion plan " + key, "it lists " + packCount + " packs", null);
    }
    List<String> packNames = new ArrayList<>(packCount);
    long total = (buffer.remaining() - packCount * 36L) / 32;
    byte[] ids = new byte[(int) Math.max(0, total) * 32];
    int[] packOf = new int[(int) Math.max(0, total)];
    HexFormat hex = HexFormat.of();
    byte[] raw = new byte[32];
    int copies = 0;
    for (int p = 0; p < packCount; p++) {
      buffer.get(raw);
      packNames.add(hex.formatHex(raw));
      int count = buffer.getInt();
      if (count < 0 || count > packOf.length - copies) {
        throw new PackCorruptedException("deletion plan " + key, "it ends in the middle of an entry", null);
      }
      for (int i = 0; i < count; i++) {
        buffer.get(ids, copies * 32, 32);
        packOf[copies++] = p;
      }
    }
    if (buffer.hasRemaining() || copies != packOf.length) {
      throw new PackCorruptedException("deletion plan " + key, buffer.remaining() + " bytes left over after the last pack", null);
    }
    return new DeletionPlan(key, created, packNames, ids, packOf);
  }

  /** The first format: the time, then chunk ids without their packs. */
  private static DeletionPlan decodeChunks(String key, byte[] plain) {
    ByteBuffer buffer = ByteBuffer.wrap(plain);
    Instant created = Instant.ofEpochMilli(buffer.getLong());
    int count = buffer.getInt();
    if (plain.length != 12 + (long) count * 32) {
      throw new PackCorruptedException("deletion plan " + key, "it lists " + count + " chunks in " + plain.length + " bytes", null);
    }
    byte[] ids = Arrays.copyOfRange(plain, 12, plain.length);
    return new DeletionPlan(key, created, List.of(ANY_PACK), ids, new int[count]);
  }
}
