package dev.lifeboat.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedEtcdIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dataDir;

  @BeforeEach
  void requireEtcd() {
    org.assertj.core.api.Assertions.assertThat(EmbeddedEtcd.isInstalled())
        .as("etcd is installed (apt-get install -y etcd-server etcd-client; .ci/run does)").isTrue();
  }

  @Test
  void keysCanBeWrittenAndReadAndCloseLeavesNoProcessAndFreesThePort() throws Exception {
    EmbeddedEtcd etcd = EmbeddedEtcd.start(dataDir, 0);
    long pid = etcd.pid();
    int port = etcd.clientPort();
    try {
      assertThat(etcd.endpoints()).containsExactly("http://127.0.0.1:" + port);

      put(etcd, "/registry/configmaps/default/settings", "v1");

      assertThat(get(etcd, "/registry/configmaps/default/settings")).contains("v1");
      assertThat(get(etcd, "/registry/configmaps/default/absent")).isEmpty();
    } finally {
      etcd.close();
      etcd.close();
    }

    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
    assertThat(Ports.isFree(port)).isTrue();
  }

  @Test
  void keysSurviveARestartOnTheSameDataDir() throws Exception {
    try (EmbeddedEtcd etcd = EmbeddedEtcd.start(dataDir, 0)) {
      put(etcd, "/registry/namespaces/shop", "kept");
    }

    try (EmbeddedEtcd etcd = EmbeddedEtcd.start(dataDir, 0)) {
      assertThat(get(etcd, "/registry/namespaces/shop")).contains("kept");
    }
  }

  @Test
  void etcdStopsWhenTheJvmThatStartedItIsKilled() throws Exception {
    Process child =
        new ProcessBuilder(
                javaBinary(),
                "-cp",
                testClassPath(),
                EtcdInChildJvm.class.getName(),
                dataDir.toString())
            .redirectErrorStream(true)
            .start();
    long etcdPid;
    int port;
    try {
      Matcher started = awaitStartLine(child);
      etcdPid = Long.parseLong(started.group(1));
      port = Integer.parseInt(started.group(2));
      assertThat(ProcessHandle.of(etcdPid)).isPresent();
    } finally {
      child.destroyForcibly(); // SIGKILL: no shutdown hook runs
      child.waitFor(10, TimeUnit.SECONDS);
    }

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (isAlive(etcdPid) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(isAlive(etcdPid)).as("etcd (pid %d) outlived its JVM", etcdPid).isFalse();
    assertThat(Ports.isFree(port)).isTrue();
  }

  private static Matcher awaitStartLine(Process child) throws Exception {
    Pattern line = Pattern.compile(EtcdInChildJvm.STARTED + " pid=(\\d+) port=(\\d+)");
    BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    for (String l = out.readLine(); l != null; l = out.readLine()) {
      Matcher m = line.matcher(l);
      if (m.find()) {
        return m;
      }
      seen.append(l).append('\n');
    }
    throw new AssertionError("the child JVM exited before etcd started:\n" + seen);
  }

  private static boolean isAlive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static String testClassPath() {
    return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
  }

  private static void put(EmbeddedEtcd etcd, String key, String value) throws Exception {
    call(etcd, "/v3/kv/put", Map.of("key", base64(key), "value", base64(value)));
  }

  private static Optional<String> get(EmbeddedEtcd etcd, String key) throws Exception {
    JsonNode kvs = call(etcd, "/v3/kv/range", Map.of("key", base64(key))).path("kvs");
    if (kvs.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new String(Base64.getDecoder().decode(kvs.get(0).path("value").asText()), StandardCharsets.UTF_8));
  }

  private static JsonNode call(EmbeddedEtcd etcd, String path, Map<String, String> body)
      throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(etcd.endpoints().get(0) + path))
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
            .build();
    HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private static String base64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

}
