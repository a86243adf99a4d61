package dev.lifeboat.repository.pack;

import dev.lifeboat.repository.chunk.ChunkCodec;
import dev.lifeboat.repository.chunk.ChunkCorruptedException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.UUID;

/**
 * Chunks garbage collection found unreferenced and will delete once the plan is older than the
 * safety delay: {@code gc/plans/<UTC time>-<uuid>}, sealed. Writers read the plans and do not reuse
 * the chunks in them (they store a fresh copy instead), so a chunk is never deleted under a snapshot
 * that has just decided to reuse it; a chunk that a new manifest references by the time the plan is
 * carried out is kept.
 */
public record DeletionPlan(String key, Instant created, Set<String> chunks) {
  public static final String PREFIX = "gc/plans/";
  private static final String LABEL = "gc-plan";
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  public static DeletionPlan create(Instant now, Set<String> chunks) {
    return new DeletionPlan(PREFIX + TIME.format(now) + "-" + UUID.randomUUID(), now, Set.copyOf(chunks));
  }

  public byte[] encode(ChunkCodec codec) {
    ByteBuffer buffer = ByteBuffer.allocate(8 + 4 + chunks.size() * 32);
    buffer.putLong(created.toEpochMilli()).putInt(chunks.size());
    HexFormat hex = HexFormat.of();
    for (String id : chunks) {
      buffer.put(hex.parseHex(id));
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
    ByteBuffer buffer = ByteBuffer.wrap(plain);
    Instant created = Instant.ofEpochMilli(buffer.getLong());
    int count = buffer.getInt();
    if (plain.length != 12 + (long) count * 32) {
      throw new PackCorruptedException("deletion plan " + key, "it lists " + count + " chunks in " + plain.length + " bytes", null);
    }
    Set<String> chunks = new HashSet<>(count * 2);
    HexFormat hex = HexFormat.of();
    byte[] raw = new byte[32];
    for (int i = 0; i < count; i++) {
      buffer.get(raw);
      chunks.add(hex.formatHex(raw));
    }
    return new DeletionPlan(key, created, chunks);
  }
}
