package dev.lifeboat.embedded.apiserver;

import java.nio.charset.StandardCharsets;
import java.util.Set;

/** Reads the protobuf wire format: varints, fixed-width numbers and length-delimited fields. */
final class ProtobufReader {

  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LENGTH_DELIMITED = 2;
  static final int FIXED32 = 5;
  private static final Set<String> SCALARS = Set.of("string", "bytes", "bool", "int32", "int64",
      "uint32", "uint64", "sint32", "sint64", "double", "float", "fixed32", "fixed64");

  private final byte[] bytes;
  private int position;
  private final int end;

  ProtobufReader(byte[] bytes, int from, int to) {
    this.bytes = bytes;
    this.position = from;
    this.end = to;
  }

  static boolean isScalar(String type) {
    return SCALARS.contains(type);
  }

  boolean hasMore() {
    return position < end;
  }

  long varint() {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      byte b = next();
      value |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    throw malformed("varint too long");
  }

  long fixed64() {
    long value = 0;
    for (int i = 0; i < 8; i++) {
      value |= (long) (next() & 0xff) << (8 * i);
    }
    return value;
  }

  int fixed32() {
    int value = 0;
    for (int i = 0; i < 4; i++) {
      value |= (next() & 0xff) << (8 * i);
    }
    return value;
  }

  /** A length-delimited field's contents, as a reader of its own. */
  ProtobufReader delimited() {
    long length = varint();
    if (length < 0 || position + length > end) {
      throw malformed("a field runs past the end of its message");
    }
    ProtobufReader inner = new ProtobufReader(bytes, position, position + (int) length);
    position += (int) length;
    return inner;
  }

  byte[] remaining() {
    byte[] copy = new byte[end - position];
    System.arraycopy(bytes, position, copy, 0, copy.length);
    position = end;
    return copy;
  }

  String string() {
    return new String(remaining(), StandardCharsets.UTF_8);
  }

  void skip(int wireType) {
    switch (wireType) {
      case VARINT -> varint();
      case FIXED64 -> position += 8;
      case LENGTH_DELIMITED -> delimited();
      case FIXED32 -> position += 4;
      default -> throw malformed("unsupported wire type " + wireType);
    }
  }

  private byte next() {
    if (position >= end) {
      throw malformed("truncated message");
    }
    return bytes[position++];
  }

  static ApiException malformed(String why) {
    return ApiException.badRequest("the protobuf body cannot be read: " + why);
  }
}
