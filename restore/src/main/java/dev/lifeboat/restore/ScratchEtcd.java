package dev.lifeboat.restore;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A scratch etcd serving a restored data directory on loopback, as a child process of this JVM, so
 * that a verification can read the restored database through etcd itself. It runs under a small
 * shell watchdog that stops it as soon as this JVM is gone (a verifier killed with SIGKILL leaves no
 * etcd behind), with {@code umask 077} so that everything it writes is private. The data is {@code
 * <dir>/data}, the log {@code <dir>/etcd.log}.
 *
 * <p>The embedded stack's etcd (tests and the demo) is a different class in another module: a
 * production module never depends on the embedded stack.
 */
final class ScratchEtcd implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ScratchEtcd.class);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final String MEMBER = "lifeboat-scratch";

  /** Runs etcd ($3...) with its output appended to $2, prints its pid, and stops it once process $1 (this JVM) is gone. */
  private static final String WATCHDOG = String.join("\n",
      "umask 077",
      "jvm=$1; log=$2; shift 2",
      "\"$@\" >>\"$log\" 2>&1 </dev/null &",
      "etcd=$!",
      "echo \"$etcd\"",
      "( while kill -0 \"$jvm\" 2>/dev/null; do sleep 0.2; done; kill -TERM \"$etcd\" 2>/dev/null;"
          + " sleep 10; kill -KILL \"$etcd\" 2>/dev/null ) </dev/null >/dev/null 2>&1 &",
      "watchdog=$!",
      "trap 'kill -TERM \"$etcd\" 2>/dev/null' TERM INT HUP",
      "wait \"$etcd\"; status=$?",
      "kill \"$watchdog\" 2>/dev/null",
      "exit \"$status\"");

  private final Process watchdog;
  private final long pid;
  private final int port;
  private final Path logFile;

  private ScratchEtcd(Process watchdog, long pid, int port, Path logFile) {
    this.watchdog = watchdog;
    this.pid = pid;
    this.port = port;
    this.logFile = logFile;
  }

  /** Starts etcd on {@code <dir>/data} and returns once it reports healthy. */
  static ScratchEtcd start(Path dir) {
    Path etcd = EtcdTools.binary("etcd").orElseThrow(() -> new IllegalStateException(
        "etcd is not installed: no etcd binary on the PATH or in /usr/bin (on Debian: apt-get install etcd-server)"));
    Path data = dir.resolve("data").toAbsolutePath();
    Path logFile = dir.resolve("etcd.log").toAbsolutePath();
    int client = freePort();
    int peer = freePort();
    String clientUrl = "http://127.0.0.1:" + client;
    String peerUrl = "http://127.0.0.1:" + peer;
    ProcessBuilder builder = new ProcessBuilder("sh", "-c", WATCHDOG, "etcd-watchdog",
        String.valueOf(ProcessHandle.current().pid()), logFile.toString(), etcd.toString(),
        "--name=" + MEMBER, "--data-dir=" + data,
        "--listen-client-urls=" + clientUrl, "--advertise-client-urls=" + clientUrl,
        "--listen-peer-urls=" + peerUrl, "--initial-advertise-peer-urls=" + peerUrl,
        "--initial-cluster=" + MEMBER + "=" + peerUrl, "--initial-cluster-state=new",
        "--heartbeat-interval=50", "--election-timeout=500", "--logger=zap", "--log-outputs=stderr")
        .redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().keySet().removeIf(name -> name.startsWith("ETCD"));
    Process watchdog;
    long pid;
    try {
      watchdog = builder.start();
      pid = Long.parseLong(new BufferedReader(new InputStreamReader(watchdog.getInputStream(), StandardCharsets.US_ASCII))
          .readLine().trim());
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("the scratch etcd did not start; see " + logFile, e);
    }
    ScratchEtcd server = new ScratchEtcd(watchdog, pid, client, logFile);
    try {
      server.awaitHealthy();
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    log.debug("Scratch etcd serving {} on {} (pid {})", data, clientUrl, pid);
    return server;
  }

  List<String> endpoints() {
    return List.of("http://127.0.0.1:" + port);
  }

  @Override
  public void close() {
    Optional<ProcessHandle> etcd = ProcessHandle.of(pid);
    watchdog.destroy();
    try {
      if (!watchdog.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        etcd.ifPresent(ProcessHandle::destroyForcibly);
        watchdog.destroyForcibly();
      }
      etcd.ifPresent(h -> h.onExit().join());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      etcd.ifPresent(ProcessHandle::destroyForcibly);
      watchdog.destroyForcibly();
    }
  }

  private void awaitHealthy() {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest health = HttpRequest.newBuilder(URI.create(endpoints().get(0) + "/health")).timeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    try {
      while (true) {
        if (!watchdog.isAlive()) {
          throw new IllegalStateException("the scratch etcd exited with status " + watchdog.exitValue() + "; see " + logFile);
        }
        try {
          HttpResponse<String> response = http.send(health, HttpResponse.BodyHandlers.ofString());
          if (response.statusCode() == 200 && response.body().contains("\"true\"")) {
            return;
          }
        } catch (IOException e) {
          log.trace("scratch etcd not up yet: {}", e.toString());
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the scratch etcd is not healthy after " + READY_TIMEOUT.toSeconds() + " s; see " + logFile);
        }
        Thread.sleep(50);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the scratch etcd", e);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on loopback", e);
    }
  }
}
