package dev.lifeboat.replicator;

import dev.lifeboat.repository.blob.ObservedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.function.LongSupplier;

/**
 * Keeps what every copy to one store sends together under a rate. Each byte gets a slot on a
 * virtual schedule advancing at the rate; a reader whose slot lies ahead waits until then. Idle time
 * is not hoarded beyond a tenth of a second's worth of bytes, so a burst after a pause stays short.
 */
final class BandwidthLimiter {
  /** The most a reader takes at once, so that parallel copies share the rate finely. */
  static final int SLICE = 64 * 1024;
  private static final long BURST_NANOS = 100_000_000L;

  private final double nanosPerByte;
  private final LongSupplier nanoTime;
  private final Sleeper sleeper;
  private long next;

  /** How to wait: {@link Thread#sleep} in production. */
  @FunctionalInterface
  interface Sleeper {
    void sleepNanos(long nanos) throws InterruptedException;
  }

  BandwidthLimiter(long bytesPerSecond, LongSupplier nanoTime, Sleeper sleeper) {
    if (bytesPerSecond <= 0) {
      throw new IllegalArgumentException("a bandwidth limit must be positive, was " + bytesPerSecond);
    }
    this.nanosPerByte = 1e9 / bytesPerSecond;
    this.nanoTime = nanoTime;
    this.sleeper = sleeper;
    this.next = nanoTime.getAsLong();
  }

  BandwidthLimiter(long bytesPerSecond) {
    this(bytesPerSecond, System::nanoTime, nanos -> Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000)));
  }

  /** Waits until {@code bytes} more may be sent. */
  void acquire(int bytes) throws InterruptedException {
    long wait = reserve(bytes);
    if (wait > 0) {
      sleeper.sleepNanos(wait);
    }
  }

  /** Takes the next {@code bytes} slots; how long the caller must wait before sending them. */
  synchronized long reserve(int bytes) {
    long now = nanoTime.getAsLong();
    if (next < now - BURST_NANOS) {
      next = now - BURST_NANOS;
    }
    long wait = next - now;
    next += (long) (bytes * nanosPerByte);
    return Math.max(0, wait);
  }

  /** {@code in}, read no faster than this limiter allows; it cannot mark (re-read bytes would be paid twice). */
  InputStream throttle(InputStream in) {
    return new ObservedInputStream(in) {
      @Override
      public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, Math.min(length, SLICE));
        if (n > 0) {
          try {
            acquire(n);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for bandwidth");
          }
        }
        return n;
      }
    };
  }
}
