package dev.lifeboat.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Writes one benchmark's section of docs/BENCHMARKS.md, between {@code <!-- name -->} and {@code
 * <!-- /name -->}, leaving the other sections as they are.
 */
public final class BenchmarkReport {
  private BenchmarkReport() {}

  public static void write(Path file, String name, String markdown) throws IOException {
    String begin = "<!-- " + name + " -->";
    String end = "<!-- /" + name + " -->";
    String text = Files.exists(file) ? Files.readString(file)
        : "# Benchmarks\n\nMeasured with `bench/run NAME` on the project's 2-core build machine; each section says how.\n";
    String section = begin + "\n" + markdown.strip() + "\n" + end;
    int b = text.indexOf(begin);
    int e = text.indexOf(end);
    text = b >= 0 && e > b ? text.substring(0, b) + section + text.substring(e + end.length()) : text.strip() + "\n\n" + section + "\n";
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, text);
  }

  /** The value at quantile {@code q} (0..1) of sorted nanosecond samples, in milliseconds. */
  static double percentileMillis(long[] sortedNanos, double q) {
    if (sortedNanos.length == 0) {
      return Double.NaN;
    }
    int index = (int) Math.min(sortedNanos.length - 1, Math.ceil(q * sortedNanos.length) - 1);
    return sortedNanos[Math.max(0, index)] / 1e6;
  }

  static long[] sorted(long[] samples, int count) {
    long[] copy = Arrays.copyOf(samples, count);
    Arrays.sort(copy);
    return copy;
  }

  static String machine() {
    return Runtime.getRuntime().availableProcessors() + " cores, Java " + System.getProperty("java.version")
        + ", max heap " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB";
  }
}
