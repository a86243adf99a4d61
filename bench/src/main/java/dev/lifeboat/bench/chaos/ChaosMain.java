package dev.lifeboat.bench.chaos;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code bench/run chaos [KILLS] [OUTAGE] [MALFORMED_PER_TOPIC] [CORRUPTIONS_PER_STORE] [SEED]}: a
 * chaos run whose figures are printed and written into {@code docs/RELIABILITY.md} between its
 * markers. The run's data and every process's log stay in the directory it prints.
 */
public final class ChaosMain {
  private ChaosMain() {}

  public static void main(String[] args) throws Exception {
    Path report = Path.of(args[0]);
    int kills = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    Duration outage = args.length > 2 ? duration(args[2]) : Duration.ofMinutes(10);
    int malformed = args.length > 3 ? Integer.parseInt(args[3]) : 1000;
    int corruptions = args.length > 4 ? Integer.parseInt(args[4]) : 3;
    long seed = args.length > 5 ? Long.parseLong(args[5]) : System.currentTimeMillis();
    Path dataDir = Files.createTempDirectory("lifeboat-chaos-");
    System.out.println("Chaos run in " + dataDir + " (logs in " + dataDir.resolve("logs") + "): " + kills + " kills, off-region outage "
        + ChaosFigures.human(outage) + ", " + malformed + " malformed records per input topic, " + corruptions
        + " corruptions per store, seed " + seed);
    ChaosFigures figures;
    try {
      figures = new ChaosRun(new ChaosRun.Settings(dataDir, kills, outage, malformed, corruptions, seed)).run();
    } catch (Exception e) {
      System.err.println("The chaos run ended early: " + e.getMessage() + " (logs in " + dataDir.resolve("logs") + ")");
      throw e;
    }
    System.out.println(figures.report());
    figures.writeInto(report);
    System.out.println("Written into " + report);
    System.exit(figures.metTargets() ? 0 : 1);
  }

  /** 90s, 10m, 1h, or ISO-8601. */
  static Duration duration(String text) {
    String t = text.trim().toLowerCase(java.util.Locale.ROOT);
    if (t.startsWith("p")) {
      return Duration.parse(text);
    }
    long n = Long.parseLong(t.substring(0, t.length() - 1));
    return switch (t.charAt(t.length() - 1)) {
      case 's' -> Duration.ofSeconds(n);
      case 'm' -> Duration.ofMinutes(n);
      case 'h' -> Duration.ofHours(n);
      default -> throw new IllegalArgumentException("a duration like 90s, 10m or 1h, was " + text);
    };
  }
}
