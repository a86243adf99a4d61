package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.embedded.Endpoints;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged executable, as a user runs it: started, then stopped with SIGTERM, leaving nothing behind. */
class DemoProcessIT {
  @TempDir
  Path dataDir;

  @Test
  void sigtermStopsTheDemoCleanlyAndFreesEveryPort() throws Exception {
    Path jar = Path.of("target", "lifeboat.jar").toAbsolutePath();
    assertThat(jar).exists();
    Process demo = new ProcessBuilder(javaBinary(), "-jar", jar.toString(), "demo", "--any-ports",
        "--data-dir", dataDir.toString(), "--churn-every", "PT0.5S")
        .redirectErrorStream(true)
        .redirectOutput(dataDir.resolve("demo.log").toFile())
        .start();
    try {
      Path endpointsFile = dataDir.resolve("endpoints.json");
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (!Files.exists(endpointsFile) && demo.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      assertThat(endpointsFile).as(Files.readString(dataDir.resolve("demo.log"))).exists();
      Endpoints endpoints = Endpoints.read(endpointsFile);
      List<ProcessHandle> children = demo.toHandle().descendants().toList();

      demo.destroy(); // SIGTERM

      assertThat(demo.waitFor(60, TimeUnit.SECONDS)).as("the demo stops within a minute of SIGTERM").isTrue();
      String log = Files.readString(dataDir.resolve("demo.log"));
      assertThat(log).contains("Stopping Lifeboat...").contains("audit component.stop process:demo");
      // etcd is stopped by the demo; its watchdog notices the JVM is gone within its poll interval
      org.awaitility.Awaitility.await("no child process (etcd, its watchdog) outlives the demo")
          .atMost(Duration.ofSeconds(10)).until(() -> children.stream().noneMatch(ProcessHandle::isAlive));
      for (String address : List.of(endpoints.kafkaBootstrapServers(), endpoints.schemaRegistryUrl(), endpoints.statusUrl(),
          endpoints.kubernetesApiUrl(), endpoints.stores().get(0).endpoint(), endpoints.stores().get(1).endpoint())) {
        assertThat(canBind(port(address))).as("port of %s is free", address).isTrue();
      }
    } finally {
      demo.destroyForcibly();
    }
  }

  private static int port(String address) {
    return Integer.parseInt(address.replaceAll(".*:(\\d+).*", "$1"));
  }

  private static boolean canBind(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
