package dev.lifeboat.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The times one side of a comparison took, round by round, in seconds: what a report prints is
 * min / median / max, and comparisons are made by the ratio of medians (one lucky or unlucky round
 * moves neither).
 */
final class Samples {
  private final String name;
  private final List<Double> seconds = new ArrayList<>();

  Samples(String name) {
    this.name = name;
  }

  String name() {
    return name;
  }

  void add(double value) {
    seconds.add(value);
  }

  int count() {
    return seconds.size();
  }

  List<Double> values() {
    return List.copyOf(seconds);
  }

  double min() {
    return sorted().get(0);
  }

  double max() {
    List<Double> s = sorted();
    return s.get(s.size() - 1);
  }

  double median() {
    List<Double> s = sorted();
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  /** How many times faster this side is than {@code other}, by the ratio of medians. */
  double speedOver(Samples other) {
    return other.median() / median();
  }

  /** {@code min / median / max} in seconds. */
  String times() {
    return String.format("%s / %s / %s", seconds(min()), seconds(median()), seconds(max()));
  }

  /** Throughput at the median, in MB/s (10^6 bytes). */
  String megabytesPerSecond(long bytes) {
    return String.format("%.0f", bytes / 1e6 / median());
  }

  private static String seconds(double s) {
    return s < 10 ? String.format("%.2f s", s) : String.format("%.1f s", s);
  }

  private List<Double> sorted() {
    if (seconds.isEmpty()) {
      throw new IllegalStateException("no round of " + name + " was measured");
    }
    List<Double> s = new ArrayList<>(seconds);
    s.sort(null);
    return s;
  }

  /**
   * Runs {@code steps} for {@code rounds} rounds, each round in an order rotated by one from the round
   * before (A B, B A, A B, … for two), so that no side always runs first, on a cold cache or right after
   * the other's garbage.
   */
  static void alternate(int rounds, List<Step> steps) throws Exception {
    for (int round = 0; round < rounds; round++) {
      for (int i = 0; i < steps.size(); i++) {
        steps.get((i + round) % steps.size()).run(round + 1);
      }
    }
  }

  /** One side's work in a round. */
  interface Step {
    void run(int round) throws Exception;
  }
}
