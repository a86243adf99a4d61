package dev.lifeboat.bench.scale;

import dev.lifeboat.bench.BenchmarkReport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the repository costs as it grows: repositories of a million and ten million chunks built with
 * the real repository code in the embedded S3 server, a fifth of their snapshots deleted, then two
 * garbage collections (plan, then sweep) and the opening of the repository measured, each in a JVM of
 * its own with this JVM's heap limit; and the opening of a repository of many small index files.
 * Writes the {@code scale-repository} section of docs/BENCHMARKS.md.
 *
 * <p>Processes: the S3 server (S3Proxy, filesystem backend, 1 GiB heap), the builders (4 GiB heap: they
 * are not what is measured), and one process per measured step.
 */
public final class RepositoryScaleBenchmark {
  private static final String SECTION = "scale-repository";

  private RepositoryScaleBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path report = Path.of(args[0]);
    List<Long> sizes = new ArrayList<>();
    for (String s : args[1].split(",")) {
      sizes.add(Long.parseLong(s.trim()));
    }
    int indexFiles = Integer.parseInt(args[2]);
    String heap = heapLimit();
    String loadBefore = loadAverage();
    Path dir = Files.createTempDirectory("lifeboat-scale-repository");
    Path logs = dir.resolve("logs");
    Files.createDirectories(logs);
    System.out.println("working in " + dir + " (logs in " + logs + ")");
    Map<Long, Map<String, String>> bySize = new LinkedHashMap<>();
    Map<String, String> files;
    List<String> buckets = new ArrayList<>();
    sizes.forEach(size -> buckets.add("chunks-" + size));
    buckets.add("index-files");
    Process s3 = startS3(dir.resolve("s3"), logs, buckets);
    try {
      String endpoint = endpointOf(s3);
      for (long size : sizes) {
        String prefix = "chunks-" + size;
        Map<String, String> results = new LinkedHashMap<>();
        results.putAll(run("build-" + size, "4g", logs, "build", endpoint, prefix, Long.toString(size)));
        if (results.containsKey("failed")) {
          results.put("build.failed", results.remove("failed"));
        } else {
          Map<String, String> gc = run("gc-" + size, heap, logs, "gc", endpoint, prefix);
          if (gc.containsKey("failed")) {
            gc.put("gc.failed", gc.remove("failed"));
          }
          results.putAll(gc);
          Map<String, String> open = run("open-" + size, heap, logs, "open", endpoint, prefix);
          if (open.containsKey("failed")) {
            open.put("open.failed", open.remove("failed"));
          }
          results.putAll(open);
        }
        bySize.put(size, results);
        System.out.println(size + " chunks: " + results);
      }
      files = new LinkedHashMap<>(run("index-files", "4g", logs, "index-files", endpoint, "index-files",
          Integer.toString(indexFiles)));
      Map<String, String> open = run("open-index-files", heap, logs, "open", endpoint, "index-files");
      if (open.containsKey("failed")) {
        open.put("open.failed", open.remove("failed"));
      }
      files.putAll(open);
      System.out.println(indexFiles + " index files: " + files);
    } finally {
      s3.getOutputStream().close();
      if (!s3.waitFor(30, TimeUnit.SECONDS)) {
        s3.destroyForcibly();
      }
    }
    String markdown = RepositoryScaleReport.markdown(sizes, bySize, indexFiles, files, heap, loadBefore, loadAverage());
    System.out.println(markdown);
    BenchmarkReport.write(report, SECTION, markdown);
  }

  private static Process startS3(Path data, Path logs, List<String> buckets) throws IOException {
    return new ProcessBuilder(command("1g", "s3", data.toString(), String.join(",", buckets))).redirectError(logs.resolve("s3.log").toFile()).start();
  }

  private static String endpointOf(Process s3) throws IOException {
    BufferedReader out = new BufferedReader(new InputStreamReader(s3.getInputStream(), StandardCharsets.UTF_8));
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      if (line.startsWith("endpoint ")) {
        return line.substring("endpoint ".length()).trim();
      }
    }
    throw new IllegalStateException("the S3 server ended before it printed its endpoint");
  }

  /** Runs one step in a JVM of its own; its results, or {@code failed} with the reason. */
  private static Map<String, String> run(String name, String heap, Path logs, String... args) throws Exception {
    System.out.println("step " + name + " (heap " + heap + ")");
    Path log = logs.resolve(name + ".log");
    Process p = new ProcessBuilder(command(heap, args)).redirectError(log.toFile()).start();
    Map<String, String> results = new LinkedHashMap<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        String[] parts = line.split(" ");
        if (parts.length == 3 && parts[0].equals("result")) {
          results.put(parts[1], parts[2]);
        } else if (line.contains("OutOfMemoryError")) {
          results.put("failed", "OutOfMemoryError");
        }
      }
    }
    int exit = p.waitFor();
    if (exit != 0) {
      results.putIfAbsent("failed", failure(log, exit));
    }
    return results;
  }

  private static String failure(Path log, int exit) {
    try {
      String text = Files.readString(log);
      if (text.contains("OutOfMemoryError")) {
        return "OutOfMemoryError";
      }
      String[] lines = text.strip().split("\n");
      for (String line : lines) {
        if (line.contains("Exception") || line.contains("Error")) {
          return line.strip();
        }
      }
      return "exit " + exit;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> command(String heap, String... args) {
    List<String> c = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + heap, "-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"),
        RepositoryScaleChild.class.getName()));
    c.addAll(List.of(args));
    return c;
  }

  /** This JVM's -Xmx, given to every measured step. */
  private static String heapLimit() {
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("-Xmx")) {
        return arg.substring(4);
      }
    }
    return (Runtime.getRuntime().maxMemory() >> 20) + "m";
  }

  static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return String.format(Locale.ROOT, "%s %s %s", parts[0], parts[1], parts[2]);
    } catch (IOException e) {
      return "unknown";
    }
  }
}
