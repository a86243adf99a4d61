package dev.lifeboat.restore;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tar framing of a volume stream (see {@link VolumeStream}): POSIX ustar headers, each entry
 * preceded by a PAX extended header ({@code x}) that carries its exact path, size, mtime, link target
 * and, for files, {@value #SHA256} — the subset Lifeboat writes, and the only one it reads back: any
 * other entry type, a bad header checksum, or an entry without its extended header is refused. GNU
 * and BSD tar list and extract such a stream ({@code tar tvf -}), ignoring the Lifeboat record.
 */
final class VolumeTar {
  static final int BLOCK = 512;
  static final char FILE = '0';
  static final char SYMLINK = '2';
  static final char DIRECTORY = '5';
  static final char PAX = 'x';
  static final String SHA256 = "LIFEBOAT.sha256";
  private static final int MAX_PAX = 1 << 20;
  private static final long MAX_OCTAL_SIZE = 077777777777L;

  /** One header as read: its type, its extended records, its data size, its permission bits. */
  record Header(char type, Map<String, String> pax, long size, int mode) {}

  private VolumeTar() {}

  /** Writes an entry's extended header then its ustar header; the caller writes {@code size} bytes and {@link #pad}. */
  static void writeHeader(OutputStream out, char type, Map<String, String> pax, int mode, long size, long mtimeSeconds)
      throws IOException {
    byte[] records = records(pax);
    out.write(ustar(PAX, "PaxHeaders/entry", 0, records.length, mtimeSeconds));
    out.write(records);
    pad(out, records.length);
    String shortName = type == DIRECTORY ? "entry/" : "entry";
    out.write(ustar(type, shortName, mode, type == FILE ? Math.min(size, MAX_OCTAL_SIZE) : 0, mtimeSeconds));
  }

  /** Pads {@code written} bytes of data to a whole block. */
  static void pad(OutputStream out, long written) throws IOException {
    int rest = (int) (written % BLOCK);
    if (rest != 0) {
      out.write(new byte[BLOCK - rest]);
    }
  }

  /** The end-of-archive marker: two zero blocks. */
  static void writeEnd(OutputStream out) throws IOException {
    out.write(new byte[2 * BLOCK]);
  }

  /**
   * The next entry's header, with the extended records that precede it; null at the end-of-archive
   * marker.
   *
   * @throws EOFException the stream ended before the marker
   * @throws IOException a header that is not one this format writes
   */
  static Header read(InputStream in) throws IOException {
    byte[] block = readBlock(in);
    if (zero(block)) {
      if (!zero(readBlock(in))) {
        throw new IOException("a lone zero block in the stream");
      }
      return null;
    }
    check(block);
    if (block[156] != PAX) {
      throw new IOException("an entry without its extended header");
    }
    long size = octal(block, 124, 12);
    if (size > MAX_PAX) {
      throw new IOException("an extended header of " + size + " bytes");
    }
    byte[] records = in.readNBytes((int) size);
    if (records.length < size) {
      throw new EOFException("the stream ended inside an extended header");
    }
    skipPadding(in, size);
    Map<String, String> pax = parse(records);
    byte[] entry = readBlock(in);
    check(entry);
    char type = (char) entry[156];
    if (type != FILE && type != DIRECTORY && type != SYMLINK) {
      throw new IOException("an entry of type '" + type + "', which this format does not carry");
    }
    long dataSize = type == FILE ? Long.parseLong(pax.getOrDefault("size", Long.toString(octal(entry, 124, 12)))) : 0;
    return new Header(type, pax, dataSize, (int) octal(entry, 100, 8) & 07777);
  }

  static void skipPadding(InputStream in, long size) throws IOException {
    int rest = (int) (size % BLOCK);
    if (rest != 0) {
      in.skipNBytes(BLOCK - rest);
    }
  }

  private static byte[] readBlock(InputStream in) throws IOException {
    byte[] block = in.readNBytes(BLOCK);
    if (block.length < BLOCK) {
      throw new EOFException("the stream ended before its end-of-archive marker");
    }
    return block;
  }

  private static byte[] ustar(char type, String name, int mode, long size, long mtime) {
    byte[] h = new byte[BLOCK];
    put(h, 0, 100, name);
    put(h, 100, 8, octal(mode & 07777, 7));
    put(h, 108, 8, octal(0, 7));
    put(h, 116, 8, octal(0, 7));
    put(h, 124, 12, octal(size, 11));
    put(h, 136, 12, octal(Math.max(0, Math.min(mtime, MAX_OCTAL_SIZE)), 11));
    h[156] = (byte) type;
    put(h, 257, 6, "ustar");
    put(h, 263, 2, "00");
    Arrays.fill(h, 148, 156, (byte) ' ');
    put(h, 148, 8, octal(sum(h), 6) + "\0 ");
    return h;
  }

  private static void check(byte[] h) throws IOException {
    if (!new String(h, 257, 5, StandardCharsets.US_ASCII).equals("ustar")) {
      throw new IOException("not a ustar header");
    }
    long recorded = octal(h, 148, 8);
    byte[] copy = h.clone();
    Arrays.fill(copy, 148, 156, (byte) ' ');
    if (recorded != sum(copy)) {
      throw new IOException("a header whose checksum does not match");
    }
  }

  private static long sum(byte[] h) {
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    return sum;
  }

  /** PAX records: {@code "<length> <key>=<value>\n"}, the length counting itself. */
  private static byte[] records(Map<String, String> pax) {
    StringBuilder all = new StringBuilder();
    pax.forEach((key, value) -> {
      int body = (" " + key + "=" + value + "\n").getBytes(StandardCharsets.UTF_8).length;
      int length = body + Integer.toString(body).length();
      if (Integer.toString(length).length() != Integer.toString(body).length()) {
        length++;
      }
      all.append(length).append(' ').append(key).append('=').append(value).append('\n');
    });
    return all.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static Map<String, String> parse(byte[] records) throws IOException {
    Map<String, String> pax = new LinkedHashMap<>();
    int at = 0;
    while (at < records.length) {
      int space = at;
      while (space < records.length && records[space] != ' ') {
        space++;
      }
      int length;
      try {
        length = Integer.parseInt(new String(records, at, space - at, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        throw new IOException("a malformed extended header record");
      }
      if (length <= space - at + 2 || at + length > records.length || records[at + length - 1] != '\n') {
        throw new IOException("a malformed extended header record");
      }
      String record = new String(records, space + 1, at + length - space - 2, StandardCharsets.UTF_8);
      int equals = record.indexOf('=');
      if (equals <= 0) {
        throw new IOException("a malformed extended header record");
      }
      pax.put(record.substring(0, equals), record.substring(equals + 1));
      at += length;
    }
    return pax;
  }

  private static String octal(long value, int digits) {
    String text = Long.toOctalString(value);
    return "0".repeat(Math.max(0, digits - text.length())) + text;
  }

  private static long octal(byte[] h, int offset, int length) throws IOException {
    long value = 0;
    int end = offset + length;
    int i = offset;
    while (i < end && h[i] == ' ') {
      i++;
    }
    for (; i < end && h[i] >= '0' && h[i] <= '7'; i++) {
      value = value * 8 + (h[i] - '0');
    }
    if (i < end && h[i] != 0 && h[i] != ' ') {
      throw new IOException("a malformed number in a header");
    }
    return value;
  }

  private static void put(byte[] h, int offset, int length, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(bytes, 0, h, offset, Math.min(length, bytes.length));
  }

  private static boolean zero(byte[] block) {
    for (byte b : block) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }
}
