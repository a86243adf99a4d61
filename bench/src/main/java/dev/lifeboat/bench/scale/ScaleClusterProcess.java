package dev.lifeboat.bench.scale;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ScaleCluster} in a child JVM (broker, schema registry and local Kubernetes API, holding
 * {@code count} ConfigMaps), so that its heap is not the measured process's. Started and waited for
 * until it prints its endpoints; closing its stdin stops it.
 *
 * @param loadSeconds how long loading the ConfigMaps through the API took
 */
record ScaleClusterProcess(Process process, String bootstrapServers, String registryUrl, String apiUrl,
    double loadSeconds) implements AutoCloseable {

  /** Starts the child with {@code count} ConfigMaps and a heap of {@code heapMiB}, and waits until it is ready. */
  static ScaleClusterProcess start(int count, long heapMiB) throws IOException {
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + heapMiB + "m", "-cp", System.getProperty("java.class.path"), ScaleCluster.class.getName(),
        Integer.toString(count));
    Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try {
      String[] ready = awaitReady(process);
      return new ScaleClusterProcess(process, ready[1], ready[2], ready[3], Long.parseLong(ready[4]) / 1000.0);
    } catch (IOException | RuntimeException e) {
      process.destroyForcibly();
      throw e;
    }
  }

  /** Reads the child's stdout until its READY line, then keeps draining it on a thread of its own. */
  private static String[] awaitReady(Process cluster) throws IOException {
    BufferedReader out = new BufferedReader(new InputStreamReader(cluster.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith("READY ")) {
        Thread drain = new Thread(() -> {
          try {
            while (out.readLine() != null) {
              // the child's log
            }
          } catch (IOException e) {
            // the child ended
          }
        }, "scale-cluster-stdout");
        drain.setDaemon(true);
        drain.start();
        return line.split(" ");
      }
    }
    throw new IllegalStateException("the cluster process ended before it was ready (exit " + exit(cluster) + ")");
  }

  private static String exit(Process p) {
    try {
      return Integer.toString(p.waitFor());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }

  @Override
  public void close() throws IOException {
    process.getOutputStream().close();
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroy();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroy();
    }
  }
}
