package dev.lifeboat.embedded;

import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An S3 server that enforces Object Lock, for tests: a one-node Ceph cluster (a monitor, one OSD on
 * memstore, a RADOS gateway) from Debian's packages, run as child processes on 127.0.0.1. The gateway
 * refuses to delete a locked object version or to shorten its retention, which S3Proxy (no Object Lock)
 * and S3Mock (retention stored, never enforced) do not; see docs/DEPENDENCIES.md.
 *
 * <p>Its data lives in memory and in a directory of its own, emptied at every start. A small shell
 * script ({@code ceph-object-gateway.sh}) starts the daemons and stops them when this JVM is gone
 * (even after SIGKILL) or on {@link #close()}. Starting takes 10-20 s and about 150 MB of memory.
 */
public final class CephObjectGateway implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CephObjectGateway.class);
  /** What a Debian machine needs; {@code .ci/run} installs it. */
  public static final String INSTALL = "apt-get install --no-install-recommends ceph-mon ceph-osd radosgw";
  private static final List<String> DAEMONS = List.of("ceph-mon", "ceph-osd", "radosgw", "radosgw-admin", "ceph-authtool",
      "monmaptool", "ceph");
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
  private static final String ACCESS_KEY = "lifeboat-locked";
  private static final String SECRET_KEY = "lifeboat-locked-secret";

  private final Process script;
  private final Path dir;
  private final int port;
  private final Thread shutdownHook;
  private boolean closed;

  private CephObjectGateway(Process script, Path dir, int port) {
    this.script = script;
    this.dir = dir;
    this.port = port;
    this.shutdownHook = new Thread(this::close, "ceph-object-gateway-shutdown-" + port);
  }

  /** Whether the Ceph daemons this needs are installed. */
  public static boolean isInstalled() {
    return missing().isEmpty();
  }

  private static Optional<String> missing() {
    return DAEMONS.stream().filter(name -> binary(name).isEmpty()).findFirst();
  }

  private static Optional<Path> binary(String name) {
    String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/bin" + File.pathSeparator + "/usr/sbin";
    return Stream.of(path.split(File.pathSeparator)).filter(d -> !d.isEmpty()).map(d -> Path.of(d, name))
        .filter(Files::isExecutable).findFirst();
  }

  /**
   * Starts the cluster in {@code dir} (emptied first) and returns once the gateway serves S3 with this
   * class's keys.
   *
   * @throws IllegalStateException Ceph is not installed (the message names the install command), or
   *     the cluster did not come up (the message names its logs)
   */
  public static CephObjectGateway start(Path dir) {
    missing().ifPresent(name -> {
      throw new IllegalStateException("Ceph is not installed: no " + name + " on the PATH. The tests that prove Object"
          + " Lock is enforced need a real S3 server that enforces it; on Debian: " + INSTALL + " (.ci/run installs it)");
    });
    try {
      return startOnce(dir);
    } catch (IllegalStateException first) {
      // A one-node cluster on a busy machine now and then loses its OSD at start (seen: "wrong fsid" from
      // the monitor); a second start on new ports, the first attempt's logs kept beside it, is the fix.
      Path kept = dir.resolveSibling(dir.getFileName() + "-failed-start");
      try {
        deleteTree(kept);
        Files.move(dir, kept);
      } catch (IOException e) {
        first.addSuppressed(e);
      }
      log.warn("The Ceph object gateway did not start ({}); starting it again, the first attempt's logs are in {}",
          first.getMessage(), kept);
      try {
        return startOnce(dir);
      } catch (IllegalStateException second) {
        second.addSuppressed(first);
        throw second;
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> paths = Files.walk(dir)) {
        for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static CephObjectGateway startOnce(Path dir) {
    long began = System.nanoTime();
    Path home = dir.toAbsolutePath();
    int monitorPort = Ports.preferredOrFree("ceph monitor", 0);
    int port = Ports.freeOtherThan(monitorPort);
    Process script;
    try {
      Files.createDirectories(home.getParent());
      String text = new String(resource("ceph-object-gateway.sh"), StandardCharsets.UTF_8);
      ProcessBuilder builder = new ProcessBuilder("bash", "-c", text, "ceph-object-gateway",
          String.valueOf(ProcessHandle.current().pid()), home.toString(), String.valueOf(monitorPort), String.valueOf(port),
          ACCESS_KEY, SECRET_KEY).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      builder.environment().keySet().removeIf(name -> name.startsWith("CEPH"));
      script = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the Ceph object gateway in " + home, e);
    }
    CephObjectGateway gateway = new CephObjectGateway(script, home, port);
    Runtime.getRuntime().addShutdownHook(gateway.shutdownHook);
    Lifecycle.orClose(gateway::close, gateway::awaitReady);
    log.info("Ceph object gateway on {} in {} ms ({})", gateway.endpoint(), Lifecycle.millisSince(began), home);
    return gateway;
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = CephObjectGateway.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("resource " + name + " is missing from the embedded module");
      }
      return in.readAllBytes();
    }
  }

  /** Reads the script's output until it says {@code ready}; anything else it says is the failure. */
  private void awaitReady() {
    CompletableFuture<String> said = CompletableFuture.supplyAsync(() -> {
      StringBuilder out = new StringBuilder();
      try (BufferedReader in = new BufferedReader(new InputStreamReader(script.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          if (line.equals("ready")) {
            return null;
          }
          out.append(line).append('\n');
        }
      } catch (IOException e) {
        out.append(e);
      }
      return out.toString();
    });
    String failure;
    try {
      failure = said.get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("the Ceph object gateway did not start within " + READY_TIMEOUT.toSeconds()
          + " s; see the logs in " + dir.resolve("log"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the Ceph object gateway started", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("the Ceph object gateway did not start", e.getCause());
    }
    if (failure != null) {
      throw new IllegalStateException("the Ceph object gateway did not start: " + failure.strip() + " (logs in "
          + dir.resolve("log") + ")");
    }
  }

  /** The gateway's S3 endpoint: {@code http://127.0.0.1:<port>}. */
  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  public String accessKey() {
    return ACCESS_KEY;
  }

  public String secretKey() {
    return SECRET_KEY;
  }

  /**
   * The region to sign for and to create buckets in: the gateway's zone group, {@code default} (it
   * refuses {@code us-east-1} as a bucket's location constraint).
   */
  public String region() {
    return "default";
  }

  /** A client of the gateway with its keys; the caller closes it. */
  public MinioClient client() {
    return MinioClient.builder().endpoint(endpoint()).credentials(ACCESS_KEY, SECRET_KEY).region(region()).build();
  }

  /** Creates {@code bucket} with Object Lock enabled (and so versioning), and no default retention. */
  public void createLockedBucket(String bucket) {
    try (MinioClient client = client()) {
      client.makeBucket(MakeBucketArgs.builder().bucket(bucket).objectLock(true).build());
    } catch (Exception e) {
      throw new IllegalStateException("cannot create the Object Lock bucket " + bucket + " at " + endpoint(), e);
    }
  }

  /** Stops every daemon (the script kills them on TERM); idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // called by the hook itself
    }
    script.destroy();
    try {
      if (!script.waitFor(15, TimeUnit.SECONDS)) {
        script.destroyForcibly();
        log.warn("the Ceph object gateway's script in {} did not stop within 15 s: killed", dir);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "CephObjectGateway[" + endpoint() + ", " + dir + "]";
  }
}
