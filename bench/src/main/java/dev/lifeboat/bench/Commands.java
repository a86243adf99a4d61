package dev.lifeboat.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs the peer tools a benchmark compares against: wall time and, under {@code /usr/bin/time -v}, peak RSS. */
final class Commands {
  private Commands() {}

  /** A finished command: wall seconds and peak RSS in MiB (-1 when unknown). */
  record Timed(double seconds, long peakRssMiB) {
    String rss() {
      return peakRssMiB < 0 ? "?" : peakRssMiB + " MiB RSS";
    }
  }

  /** Runs a command to its end under {@code /usr/bin/time -v} when there is one. */
  static Timed runMeasured(List<String> command, Map<String, String> env) throws Exception {
    if (!Files.isExecutable(Path.of("/usr/bin/time"))) {
      return new Timed(run(command, env), -1);
    }
    Path log = Files.createTempFile("lifeboat-bench-time-", ".txt");
    List<String> wrapped = new ArrayList<>(List.of("/usr/bin/time", "-v", "-o", log.toString()));
    wrapped.addAll(command);
    double seconds = run(wrapped, env);
    Matcher m = Pattern.compile("Maximum resident set size \\(kbytes\\): (\\d+)").matcher(Files.readString(log));
    Files.delete(log);
    return new Timed(seconds, m.find() ? Long.parseLong(m.group(1)) >> 10 : -1);
  }

  /** Runs a command to its end, its output to this process's; returns its wall time in seconds. */
  static double run(List<String> command, Map<String, String> env) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).inheritIO();
    builder.environment().putAll(env);
    long t0 = System.nanoTime();
    Process process = builder.start();
    if (process.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed with exit code " + process.exitValue());
    }
    return (System.nanoTime() - t0) / 1e9;
  }
}
