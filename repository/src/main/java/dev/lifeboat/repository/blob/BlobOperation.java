package dev.lifeboat.repository.blob;

import java.util.Locale;

/** The operations of a {@link BlobStore}, as metrics tag them and fault injection targets them. */
public enum BlobOperation {
  /** Both {@code putIfAbsent} variants. */
  PUT,
  GET,
  /** {@code getRange}: part of a blob. */
  GET_RANGE,
  OPEN,
  STAT,
  LIST,
  DELETE;

  /** The value of the {@code op} tag: {@code put}, {@code get}, ... */
  public String tag() {
    return name().toLowerCase(Locale.ROOT);
  }
}
