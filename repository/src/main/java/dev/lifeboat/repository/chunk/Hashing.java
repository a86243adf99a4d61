package dev.lifeboat.repository.chunk;

import java.security.MessageDigest;

/** Feeding large arrays to JDK digests in slices, for the reason {@link ChunkCodec#SLICE} gives. */
public final class Hashing {
  private Hashing() {}

  public static void update(MessageDigest digest, byte[] data) {
    for (int off = 0; off < data.length; off += ChunkCodec.SLICE) {
      digest.update(data, off, Math.min(ChunkCodec.SLICE, data.length - off));
    }
  }
}
