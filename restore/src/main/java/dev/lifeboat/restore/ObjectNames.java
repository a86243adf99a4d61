package dev.lifeboat.restore;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Names of the objects a restore makes in a target: short enough for any Kubernetes name, distinct by a hash. */
final class ObjectNames {
  private ObjectNames() {}

  /** {@code base}'s first 54 characters (no trailing '-' or '.') and 8 hex characters of the SHA-256 of {@code unique}. */
  static String hashed(String base, String unique) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(unique.getBytes(StandardCharsets.UTF_8));
      return base.substring(0, Math.min(54, base.length())).replaceAll("[-.]+$", "") + "-"
          + HexFormat.of().formatHex(hash, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
