package dev.lifeboat.repository.pack;

import java.util.List;

/**
 * A pack as written: its name (the SHA-256 of its bytes, hex), the bytes, and the chunks in it.
 * Packs are immutable blobs at {@code packs/<first two hex digits>/<name>}.
 */
public record Pack(String name, byte[] bytes, List<PackEntry> entries) {
  public static final String PREFIX = "packs/";

  public static String key(String name) {
    return PREFIX + name.substring(0, 2) + "/" + name;
  }

  /** The pack name in a {@code packs/..} key. */
  public static String nameOf(String key) {
    return key.substring(key.lastIndexOf('/') + 1);
  }

  public String key() {
    return key(name);
  }

  /** Bytes of sealed chunks in the pack (the header and trailer not counted). */
  public long chunkBytes() {
    long total = 0;
    for (PackEntry e : entries) {
      total += e.length();
    }
    return total;
  }
}
