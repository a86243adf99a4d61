package dev.lifeboat.embedded;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real kubectl against a local API with its own kubeconfig and discovery cache. Every run
 * has a deadline: a request the server never answers fails the test instead of hanging it.
 */
final class Kubectl {

  /** What one run printed (stdout and stderr together) and how it ended. */
  record Result(int exitCode, String output) {
    boolean ok() {
      return exitCode == 0;
    }
  }

  private static final long DEADLINE_SECONDS = 60;

  private final Path binary;
  private final Path kubeconfig;
  private final Path cacheDir;

  Kubectl(Path binary, Path kubeconfig, Path cacheDir) {
    this.binary = binary;
    this.kubeconfig = kubeconfig;
    this.cacheDir = cacheDir;
  }

  /** Runs kubectl, failing the test if it does not finish within a minute. */
  Result run(String... args) throws IOException, InterruptedException {
    Process process = start(args);
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = readLines(process, lines);
    if (!process.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish in "
          + DEADLINE_SECONDS + " s; it printed: " + String.join("\n", lines));
    }
    reader.join(TimeUnit.SECONDS.toMillis(10));
    return new Result(process.exitValue(), String.join("\n", lines));
  }

  /** Runs kubectl and returns its output, failing the test if it exits non-zero. */
  String ok(String... args) throws IOException, InterruptedException {
    Result result = run(args);
    if (!result.ok()) {
      throw new AssertionError("kubectl " + String.join(" ", args) + " exited " + result.exitCode()
          + ":\n" + result.output());
    }
    return result.output();
  }

  /** Starts a long-running kubectl (such as {@code get --watch}); its lines go to {@code lines}. */
  Process stream(BlockingQueue<String> lines, String... args) throws IOException {
    Process process = start(args);
    readLines(process, lines);
    return process;
  }

  private Process start(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.add("--kubeconfig=" + kubeconfig);
    command.add("--cache-dir=" + cacheDir);
    command.add("--request-timeout=30s");
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().remove("KUBECONFIG");
    Process process = builder.start();
    process.getOutputStream().close();
    return process;
  }

  private static Thread readLines(Process process, BlockingQueue<String> lines) {
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lines.add(line);
        }
      } catch (IOException e) {
        lines.add("(reading kubectl's output failed: " + e + ")");
      }
    }, "kubectl-output");
    reader.setDaemon(true);
    reader.start();
    return reader;
  }
}
