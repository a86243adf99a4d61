package dev.lifeboat.commands;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The last {@code limit} bytes written to it, and how many were written in all: what an audit event
 * may carry of a hook's output, however much the hook prints.
 */
final class OutputTail extends OutputStream {
  private final byte[] ring;
  private long written;

  OutputTail(int limit) {
    this.ring = new byte[limit];
  }

  @Override
  public synchronized void write(int b) {
    ring[(int) (written++ % ring.length)] = (byte) b;
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) {
    for (int i = 0; i < len; i++) {
      write(b[off + i]);
    }
  }

  synchronized long written() {
    return written;
  }

  /**
   * The tail as text, control characters but newline and tab shown as {@code ?}, prefixed with
   * {@code ...} when earlier output was dropped.
   */
  synchronized String text() {
    int size = (int) Math.min(written, ring.length);
    byte[] tail = new byte[size];
    long start = written - size;
    for (int i = 0; i < size; i++) {
      tail[i] = ring[(int) ((start + i) % ring.length)];
    }
    StringBuilder text = new StringBuilder(start > 0 ? "..." : "");
    new String(tail, StandardCharsets.UTF_8).codePoints()
        .forEach(c -> text.appendCodePoint(c < 0x20 && c != '\n' && c != '\t' || c == 0x7f ? '?' : c));
    return text.toString();
  }

  /** The last line(s) of the tail on one line, at most {@code max} characters: for a reason sentence. */
  synchronized String oneLine(int max) {
    String flat = text().strip().replaceAll("\\s*\\n\\s*", " | ");
    return flat.length() <= max ? flat : "..." + flat.substring(flat.length() - max);
  }
}
