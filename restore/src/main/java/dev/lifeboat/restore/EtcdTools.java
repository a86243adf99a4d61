package dev.lifeboat.restore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** {@code etcdctl} (API v3), run as a child process with a timeout; its JSON output parsed. */
final class EtcdTools {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofMinutes(10);

  private EtcdTools() {}

  /** Whether {@code etcdctl} and {@code etcd} are on the PATH (or in /usr/bin). */
  static boolean installed() {
    return binary("etcdctl").isPresent() && binary("etcd").isPresent();
  }

  /** {@code etcdctl snapshot status -w json}: hash, revision, totalKey, totalSize. */
  static JsonNode status(Path snapshot) throws IOException {
    return JSON.readTree(run("snapshot", "status", snapshot.toString(), "-w", "json"));
  }

  /** {@code etcdctl snapshot restore} into {@code dataDir} (which must not exist), as a one-member cluster. */
  static void restore(Path snapshot, Path dataDir, String member) throws IOException {
    String peer = "http://127.0.0.1:2380";
    run("snapshot", "restore", snapshot.toString(), "--data-dir", dataDir.toString(), "--name", member,
        "--initial-cluster", member + "=" + peer, "--initial-advertise-peer-urls", peer);
  }

  /** The revision and the number of live keys of a running etcd. */
  record Count(long revision, long keys) {}

  static Count count(String endpoint) throws IOException {
    // count is the size of the whole range whatever the limit, so one key is transferred, not all
    JsonNode out = JSON.readTree(run("--endpoints=" + endpoint, "get", "", "--from-key", "--keys-only", "--limit=1",
        "-w", "json"));
    return new Count(out.path("header").path("revision").asLong(), out.path("count").asLong());
  }

  private static String run(String... arguments) throws IOException {
    Path etcdctl = binary("etcdctl").orElseThrow(() -> new IOException(
        "etcdctl is not installed (on Debian: apt-get install etcd-client)"));
    // umask 077: what etcdctl writes (a restored data directory: the cluster's Secrets) is private from creation
    List<String> command = new ArrayList<>(List.of("sh", "-c", "umask 077 && exec \"$0\" \"$@\"", etcdctl.toString()));
    command.addAll(List.of(arguments));
    ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().keySet().removeIf(name -> name.startsWith("ETCD"));
    builder.environment().put("ETCDCTL_API", "3");
    Path errors = Files.createTempFile("lifeboat-etcdctl-", ".log");
    builder.redirectError(errors.toFile());
    try {
      Process process = builder.start();
      byte[] out = process.getInputStream().readAllBytes();
      if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IOException("etcdctl " + String.join(" ", arguments) + " did not finish in " + TIMEOUT.toMinutes() + " min");
      }
      if (process.exitValue() != 0) {
        String message = Files.readString(errors, StandardCharsets.UTF_8).strip();
        throw new EtcdToolException("etcdctl " + String.join(" ", arguments) + " failed (exit " + process.exitValue() + "): "
            + (message.length() > 1000 ? message.substring(message.length() - 1000) : message));
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running etcdctl", e);
    } finally {
      Files.deleteIfExists(errors);
    }
  }

  /** etcdctl ran and refused: the snapshot is bad (not worth retrying), unlike an I/O error. */
  static final class EtcdToolException extends dev.lifeboat.retry.PermanentFailure {
    EtcdToolException(String message) {
      super(message);
    }
  }

  static Optional<Path> binary(String name) {
    String path = System.getenv().getOrDefault("PATH", "");
    return Stream.concat(Stream.of(path.split(File.pathSeparator)), Stream.of("/usr/bin", "/usr/local/bin"))
        .filter(dir -> !dir.isEmpty()).map(dir -> Path.of(dir, name)).filter(Files::isExecutable).findFirst();
  }
}
