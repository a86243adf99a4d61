package dev.lifeboat.repository.check;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Which objects a partial read takes: those whose name hashes below the share, so two checks of the
 * same share read the same objects, and objects written later fall in or out of it at random.
 */
final class Sampling {
  private Sampling() {}

  static boolean includes(String name, double share) {
    if (share >= 1) {
      return true;
    }
    if (share <= 0) {
      return false;
    }
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
      long bucket = ((d[0] & 0xffL) << 8 | (d[1] & 0xffL)) % 10_000;
      return bucket < Math.round(share * 10_000);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
