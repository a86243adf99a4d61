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

  private static final java.util.regex.Pattern KEY = java.util.regex.Pattern.compile("packs/[0-9a-f]{2}/[0-9a-f]{64}");

  /**
   * Whether a listed key is a pack's: a store may list other objects under {@link #PREFIX} (the
   * embedded S3 server lists an object being uploaded under a temporary name next to it).
   */
  public static boolean isKey(String key) {
    return KEY.matcher(key).matches();
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
