package dev.lifeboat.embedded;

import dev.lifeboat.embedded.tls.LocalPki;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-member etcd cluster run as a child process of this JVM, from the {@code etcd} binary
 * installed on the machine (Debian's {@code etcd-server}), on 127.0.0.1 only.
 *
 * <p>etcd is started under a small shell watchdog that stops it as soon as this JVM is gone, so no
 * etcd outlives a JVM that was killed with SIGKILL; a shutdown hook stops it on a normal exit. Its
 * data lives in {@code <dataDir>/data} and survives a restart; its output goes to
 * {@code <dataDir>/etcd.log}.
 *
 * <p>By default clients connect over plain HTTP. {@link #startWithClientCertificates} serves the
 * client URL over TLS instead and admits only clients that present a certificate signed by the
 * given {@link LocalPki}'s CA ({@code --client-cert-auth}), as a production etcd does; the peer URL
 * of this single member stays plain.
 */
public final class EmbeddedEtcd implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedEtcd.class);
  private static final String MEMBER_NAME = "lifeboat";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

  /**
   * Runs etcd ({@code $3...}) in the background with its output appended to {@code $2}, prints its
   * pid, and stops it (TERM, then KILL after 10 s) once the process {@code $1} (this JVM) is gone.
   * A TERM to the watchdog itself is passed on to etcd; the watchdog exits when etcd has.
   */
  private static final String WATCHDOG =
      String.join(
          "\n",
          "jvm=$1; log=$2; shift 2",
          "\"$@\" >>\"$log\" 2>&1 </dev/null &",
          "etcd=$!",
          "echo \"$etcd\"",
          "(",
          "  while kill -0 \"$jvm\" 2>/dev/null; do sleep 0.2; done",
          "  kill -TERM \"$etcd\" 2>/dev/null",
          "  i=0",
          "  while kill -0 \"$etcd\" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done",
          "  kill -KILL \"$etcd\" 2>/dev/null",
          ") </dev/null >/dev/null 2>&1 &",
          "watchdog=$!",
          "trap 'kill -TERM \"$etcd\" 2>/dev/null' TERM INT HUP",
          "while :; do",
          "  wait \"$etcd\"; status=$?",
          "  kill -0 \"$etcd\" 2>/dev/null || break",
          "done",
          "kill \"$watchdog\" 2>/dev/null",
          "exit \"$status\"");

  private final Process watchdog;
  private final long etcdPid;
  private final int clientPort;
  private final LocalPki pki;
  private final Path logFile;
  private final Thread shutdownHook;
  private boolean closed;

  private EmbeddedEtcd(Process watchdog, long etcdPid, int clientPort, LocalPki pki, Path logFile) {
    this.watchdog = watchdog;
    this.etcdPid = etcdPid;
    this.clientPort = clientPort;
    this.pki = pki;
    this.logFile = logFile;
    this.shutdownHook = new Thread(this::close, "etcd-shutdown-" + clientPort);
  }

  /** Whether an {@code etcd} binary is on the PATH or in /usr/bin. */
  public static boolean isInstalled() {
    return binary().isPresent();
  }

  /**
   * Starts etcd and returns once its {@code /health} endpoint reports healthy.
   *
   * @param dataDir a directory this etcd owns; created if missing, kept across runs
   * @param preferredClientPort the client port to use if it is free (e.g. 2379); 0 for any free
   *     port. The peer port is the next one (e.g. 2380) if that is free.
   * @throws IllegalStateException if etcd is not installed or does not become healthy
   */
  public static EmbeddedEtcd start(Path dataDir, int preferredClientPort) {
    return start(dataDir, preferredClientPort, null);
  }

  /**
   * Starts etcd with its client URL on https, presenting {@code pki}'s server certificate (for
   * 127.0.0.1 and localhost) and refusing any client without a certificate signed by {@code pki}'s CA
   * ({@code --client-cert-auth --trusted-ca-file}). Returns once {@code /health} reports healthy to
   * a client presenting {@code pki}'s client certificate.
   *
   * @see #start(Path, int)
   */
  public static EmbeddedEtcd startWithClientCertificates(Path dataDir, int preferredClientPort, LocalPki pki) {
    return start(dataDir, preferredClientPort, Objects.requireNonNull(pki, "pki"));
  }

  private static EmbeddedEtcd start(Path dataDir, int preferredClientPort, LocalPki pki) {
    long began = System.nanoTime();
    Path etcd =
        binary()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "etcd is not installed: no etcd binary on the PATH or in /usr/bin"
                            + " (on Debian: apt-get install etcd-server)"));
    Path data = dataDir.resolve("data").toAbsolutePath();
    Path logFile = dataDir.resolve("etcd.log").toAbsolutePath();
    try {
      Files.createDirectories(data);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create etcd data directory " + data, e);
    }
    int clientPort = Ports.preferredOrFree("etcd", preferredClientPort);
    int peerPort = Ports.preferredOrFree("etcd peer", peerPortFor(preferredClientPort, clientPort));
    if (peerPort == clientPort) {
      // two free ports asked in a row can be the same one: etcd then fails to bind its second listener
      peerPort = Ports.freeOtherThan(clientPort);
    }
    String clientUrl = clientUrl(pki, clientPort);
    String peerUrl = "http://127.0.0.1:" + peerPort;

    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(
            "sh",
            "-c",
            WATCHDOG,
            "etcd-watchdog",
            String.valueOf(ProcessHandle.current().pid()),
            logFile.toString()));
    command.addAll(
        List.of(
            etcd.toString(),
            "--name=" + MEMBER_NAME,
            "--data-dir=" + data,
            "--listen-client-urls=" + clientUrl,
            "--advertise-client-urls=" + clientUrl,
            "--listen-peer-urls=" + peerUrl,
            "--initial-advertise-peer-urls=" + peerUrl,
            "--initial-cluster=" + MEMBER_NAME + "=" + peerUrl,
            "--initial-cluster-state=new",
            // One member has no peer to wait for: elect it quickly after a restart.
            "--heartbeat-interval=50",
            "--election-timeout=500",
            "--logger=zap",
            "--log-outputs=stderr"));
    if (pki != null) {
      command.addAll(
          List.of(
              "--cert-file=" + pki.server().certificate().toAbsolutePath(),
              "--key-file=" + pki.server().privateKey().toAbsolutePath(),
              "--client-cert-auth",
              "--trusted-ca-file=" + pki.caCertificate().toAbsolutePath()));
    }
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().keySet().removeIf(name -> name.startsWith("ETCD"));

    Process watchdog;
    try {
      watchdog = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + etcd, e);
    }
    long etcdPid;
    try {
      etcdPid = readPid(watchdog);
    } catch (IOException | RuntimeException e) {
      watchdog.destroyForcibly();
      throw new IllegalStateException("etcd did not start; see " + logFile, e);
    }
    EmbeddedEtcd server = new EmbeddedEtcd(watchdog, etcdPid, clientPort, pki, logFile);
    Runtime.getRuntime().addShutdownHook(server.shutdownHook);
    Lifecycle.orClose(server::close, server::awaitHealthy);
    log.info(
        "etcd started on {} in {} ms (pid {}, data {}, log {})",
        clientUrl,
        Lifecycle.millisSince(began),
        etcdPid,
        data,
        logFile);
    return server;
  }

  /** The client URLs, e.g. {@code [http://127.0.0.1:2379]}, or {@code [https://127.0.0.1:2379]} with TLS. */
  public List<String> endpoints() {
    return List.of(clientUrl(pki, clientPort));
  }

  /** The client port on 127.0.0.1. */
  public int clientPort() {
    return clientPort;
  }

  /** The pid of the etcd process. */
  public long pid() {
    return etcdPid;
  }

  /** Where etcd writes its log. */
  public Path logFile() {
    return logFile;
  }

  /**
   * Stops etcd (TERM, then KILL if it has not exited after 10 s) and waits for it. Calling it again
   * does nothing.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // The JVM is shutting down and this is the hook running.
    }
    long began = System.nanoTime();
    Optional<ProcessHandle> etcd = ProcessHandle.of(etcdPid);
    watchdog.destroy();
    try {
      if (!watchdog.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("etcd (pid {}) did not stop within {} s, killing it", etcdPid,
            STOP_TIMEOUT.toSeconds());
        etcd.ifPresent(ProcessHandle::destroyForcibly);
        watchdog.destroyForcibly();
        watchdog.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
      etcd.ifPresent(handle -> handle.onExit().join());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      etcd.ifPresent(ProcessHandle::destroyForcibly);
      watchdog.destroyForcibly();
    }
    log.info(
        "etcd on {} stopped in {} ms",
        endpoints().get(0),
        Lifecycle.millisSince(began));
  }

  /** The watchdog's first line of output: the pid of the etcd it started. */
  private static long readPid(Process watchdog) throws IOException {
    BufferedReader out =
        new BufferedReader(
            new InputStreamReader(watchdog.getInputStream(), StandardCharsets.US_ASCII));
    String line = out.readLine();
    if (line == null) {
      throw new IOException("the watchdog exited without starting etcd");
    }
    return Long.parseLong(line.trim());
  }

  private static String clientUrl(LocalPki pki, int clientPort) {
    return (pki == null ? "http" : "https") + "://127.0.0.1:" + clientPort;
  }

  private void awaitHealthy() {
    HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1));
    if (pki != null) {
      client.sslContext(pki.clientContext());
    }
    HttpClient http = client.build();
    HttpRequest health =
        HttpRequest.newBuilder(URI.create(endpoints().get(0) + "/health"))
            .timeout(Duration.ofSeconds(2))
            .build();
    Lifecycle.await("etcd", READY_TIMEOUT, () -> {
      if (!watchdog.isAlive()) {
        throw new IllegalStateException(
            "etcd exited with status " + watchdog.exitValue() + " while starting; see " + logFile);
      }
      try {
        HttpResponse<String> response = http.send(health, HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 200 && response.body().contains("\"true\"");
      } catch (IOException e) {
        log.trace("etcd not up yet: {}", e.toString());
        return false;
      }
    }, () -> "etcd on port " + clientPort + " not healthy after " + READY_TIMEOUT.toSeconds() + " s; see " + logFile);
  }

  /** The port after the preferred client port (2380 for 2379), or 0 (any) if there is none. */
  private static int peerPortFor(int preferredClientPort, int clientPort) {
    if (preferredClientPort == 0) {
      return 0;
    }
    int peer = preferredClientPort + 1;
    return peer > 65535 || peer == clientPort ? 0 : peer;
  }

  private static Optional<Path> binary() {
    String path = System.getenv().getOrDefault("PATH", "");
    return Stream.concat(Stream.of(path.split(File.pathSeparator)), Stream.of("/usr/bin"))
        .filter(dir -> !dir.isEmpty())
        .map(dir -> Path.of(dir, "etcd"))
        .filter(Files::isExecutable)
        .findFirst();
  }
}
