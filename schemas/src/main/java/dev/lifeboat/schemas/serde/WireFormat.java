package dev.lifeboat.schemas.serde;

import java.nio.ByteBuffer;

/**
 * The Confluent wire format: byte 0 (the magic byte, always 0), the schema id as a 4-byte big-endian
 * integer, then the value in Avro binary encoding. Any Confluent-compatible client reads it with the
 * schema registry alone.
 */
public final class WireFormat {
  public static final byte MAGIC_BYTE = 0;
  public static final int HEADER_LENGTH = 5;

  private WireFormat() {}

  /** The prefix that precedes the Avro body. */
  public static byte[] header(int schemaId) {
    return ByteBuffer.allocate(HEADER_LENGTH).put(MAGIC_BYTE).putInt(schemaId).array();
  }

  /**
   * The schema id of an encoded value.
   *
   * @throws IllegalArgumentException with a reason a person can act on, when the bytes are not in
   *     the wire format
   */
  public static int schemaId(byte[] bytes) {
    if (bytes.length < HEADER_LENGTH) {
      throw new IllegalArgumentException("value is " + bytes.length
          + " bytes, shorter than the 5-byte Confluent wire-format header");
    }
    if (bytes[0] != MAGIC_BYTE) {
      throw new IllegalArgumentException(String.format(
          "unknown magic byte 0x%02x: not the Confluent wire format (which starts with 0x00)", bytes[0]));
    }
    return ByteBuffer.wrap(bytes, 1, 4).getInt();
  }
}
