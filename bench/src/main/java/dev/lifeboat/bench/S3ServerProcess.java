package dev.lifeboat.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A child JVM running {@link S3ServerMain}: its endpoint once it serves; closing it stops the server. */
public final class S3ServerProcess implements AutoCloseable {
  private static final String READY = "S3 server listening on ";

  private final Process process;
  private final String endpoint;

  private S3ServerProcess(Process process, String endpoint) {
    this.process = process;
    this.endpoint = endpoint;
  }

  /** Starts a server over {@code dataDir} with one access key and the given buckets; waits until it serves. */
  public static S3ServerProcess start(Path dataDir, String accessKey, String secretKey, String... buckets) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g", "-cp", System.getProperty("java.class.path"), S3ServerMain.class.getName(), dataDir.toString(),
        accessKey, secretKey));
    command.addAll(List.of(buckets));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      if (line.startsWith(READY)) {
        Thread drain = new Thread(() -> drain(out), "s3-server-output");
        drain.setDaemon(true);
        drain.start();
        return new S3ServerProcess(process, line.substring(READY.length()).trim());
      }
      seen.append(line).append('\n');
    }
    throw new IOException("the S3 server process exited before serving (exit " + waitFor(process) + "):\n" + seen);
  }

  public String endpoint() {
    return endpoint;
  }

  /** The process, for its CPU time and memory. */
  long pid() {
    return process.pid();
  }

  @Override
  public void close() {
    try {
      process.getOutputStream().close();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (IOException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static void drain(BufferedReader out) {
    try {
      while (out.readLine() != null) {
        // S3Proxy's own log, not needed
      }
    } catch (IOException e) {
      // the process ended
    }
  }

  private static int waitFor(Process process) {
    try {
      return process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
