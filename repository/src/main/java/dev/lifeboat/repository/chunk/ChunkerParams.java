package dev.lifeboat.repository.chunk;

/**
 * Content-defined chunking parameters, recorded in the repository's config so every writer cuts the
 * same data at the same places (which is what makes deduplication work across snapshots and hosts).
 *
 * @param min no cut before this many bytes
 * @param avg the target average chunk size; a power of two
 * @param max a cut is forced here
 */
public record ChunkerParams(int min, int avg, int max) {
  /** 256 KiB / 1 MiB / 8 MiB. */
  public static final ChunkerParams DEFAULT = new ChunkerParams(256 << 10, 1 << 20, 8 << 20);

  public ChunkerParams {
    if (Integer.bitCount(avg) != 1) {
      throw new IllegalArgumentException("average chunk size must be a power of two, was " + avg);
    }
    if (!(64 <= min && min < avg && avg < max)) {
      throw new IllegalArgumentException("chunk sizes must satisfy 64 <= min < avg < max, were " + min + ", " + avg + ", " + max);
    }
  }

  int bits() {
    return Integer.numberOfTrailingZeros(avg);
  }
}
