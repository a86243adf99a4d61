package dev.lifeboat.repository.blob;

import java.nio.charset.StandardCharsets;

/**
 * What a blob key may look like. Keys are {@code /}-separated paths relative to a store's prefix.
 * Empty segments and {@code .} or {@code ..} segments are refused: HTTP clients normalise them away
 * ({@code a/../b} is sent as {@code b}) and filesystem-backed stores resolve them, so such a key
 * would silently name a different blob.
 *
 * <p>One rule is the layout's to keep, as it cannot be checked key by key: a key is never also the
 * directory of another ({@code a} next to {@code a/b}). S3 allows both, but filesystem-backed S3
 * servers, the embedded one among them, store {@code a} as a file and cannot then make it a directory.
 */
public final class BlobKeys {
  /** S3's limit on a whole object name, in UTF-8 bytes; the store's prefix counts against it. */
  public static final int MAX_KEY_BYTES = 1024;

  private BlobKeys() {}

  /**
   * Returns {@code key} if it can name a blob.
   *
   * @throws IllegalArgumentException naming the key and the rule it breaks
   */
  public static String requireValid(String key) {
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("a blob key must not be empty");
    }
    if (key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
      throw new IllegalArgumentException("blob key longer than " + MAX_KEY_BYTES + " bytes: " + abbreviate(key));
    }
    for (int i = 0; i < key.length(); i++) {
      if (Character.isISOControl(key.charAt(i))) {
        throw new IllegalArgumentException("blob key contains a control character: " + abbreviate(key));
      }
    }
    for (String segment : key.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException("blob key must be a '/'-separated path without empty, '.' or '..'"
            + " segments and without a leading or trailing '/', was: " + abbreviate(key));
      }
    }
    return key;
  }

  /**
   * Returns {@code prefix} if it can start a listing: empty, or a key's beginning (it may end with
   * {@code /}, but not start with one).
   */
  public static String requireValidPrefix(String prefix) {
    if (prefix == null) {
      throw new IllegalArgumentException("a listing prefix must not be null; use an empty prefix for every blob");
    }
    if (prefix.startsWith("/")) {
      throw new IllegalArgumentException("a listing prefix must not start with '/', was: " + abbreviate(prefix));
    }
    return prefix;
  }

  /**
   * The order stores list keys in: S3's, the UTF-8 bytes of the key compared as unsigned, which is
   * the order of Unicode code points (and differs from {@link String#compareTo} only for characters
   * outside the Basic Multilingual Plane).
   */
  public static int compare(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int x = a.codePointAt(i);
      int y = b.codePointAt(j);
      if (x != y) {
        return Integer.compare(x, y);
      }
      i += Character.charCount(x);
      j += Character.charCount(y);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }

  private static String abbreviate(String key) {
    String printable = key.replaceAll("\\p{Cntrl}", "?");
    return printable.length() > 120 ? printable.substring(0, 120) + "..." : printable;
  }
}
