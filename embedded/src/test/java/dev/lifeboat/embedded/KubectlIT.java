package dev.lifeboat.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The machine's real {@code kubectl} against the local API as the demo runs it (objects in etcd,
 * the kubeconfig it writes), tried as a new user would: every request gets the answer a real API
 * server gives, and none hangs (each run has a deadline).
 */
class KubectlIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  private static EmbeddedEtcd etcd;
  private static LocalKubernetes kubernetes;
  private static Kubectl kubectl;
  private static Path etcdctl;

  @BeforeAll
  static void start() {
    etcdctl = Tools.etcdctl();
    Path binary = Tools.kubectl();
    etcd = EmbeddedEtcd.start(dir.resolve("etcd"), 0);
    kubernetes = LocalKubernetes.start(0, etcd.endpoints());
    kubectl = new Kubectl(binary, kubernetes.writeKubeconfig(dir.resolve("kubeconfig")), dir.resolve("cache"));
  }

  @AfterAll
  static void stop() {
    if (kubernetes != null) {
      kubernetes.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  @Test
  void createConfigMapAndSecretFromLiteralsWhichKubectlSendsInProtobuf() throws Exception {
    assertThat(kubectl.ok("create", "configmap", "settings", "--from-literal=retention=7d"))
        .contains("configmap/settings created");
    assertThat(kubectl.ok("create", "secret", "generic", "creds", "--from-literal=password=hunter2"))
        .contains("secret/creds created");

    JsonNode settings = json(kubectl.ok("get", "configmap", "settings", "-o", "json"));
    assertThat(settings.path("data").path("retention").asText()).isEqualTo("7d");
    JsonNode creds = json(kubectl.ok("get", "secret", "creds", "-o", "json"));
    assertThat(creds.path("data").path("password").asText()).isEqualTo(base64("hunter2"));
    assertThat(creds.path("type").asText()).isEqualTo("Opaque");
    // Kept in etcd under the key a real API server uses, at the resourceVersion it reports.
    assertThat(etcdctl("get", "/registry/configmaps/default/settings", "-w", "json"))
        .contains("\"mod_revision\":" + settings.path("metadata").path("resourceVersion").asText());
  }

  @Test
  void applyFoldsStringDataIntoDataAndASecondApplyPatchesTheDeployment() throws Exception {
    kubectl.ok("create", "namespace", "apply-test");
    Path manifest = dir.resolve("app.yaml");
    Files.writeString(manifest, manifest("nginx:1.25"));

    assertThat(kubectl.ok("apply", "-f", manifest.toString()))
        .contains("secret/app-token created").contains("deployment.apps/web created");
    JsonNode secret = json(kubectl.ok("get", "secret", "app-token", "-n", "apply-test", "-o", "json"));
    assertThat(secret.path("data").path("token").asText()).isEqualTo(base64("s3cr3t"));
    assertThat(secret.has("stringData")).as("stringData is folded into data, not kept").isFalse();

    Files.writeString(manifest, manifest("nginx:1.26"));
    assertThat(kubectl.ok("apply", "-f", manifest.toString())).contains("deployment.apps/web configured");
    JsonNode web = json(kubectl.ok("get", "deployment", "web", "-n", "apply-test", "-o", "json"));
    assertThat(web.at("/spec/template/spec/containers/0/image").asText()).isEqualTo("nginx:1.26");
    assertThat(web.at("/spec/template/spec/containers").size()).isEqualTo(1);
    assertThat(web.at("/metadata/generation").asInt()).isEqualTo(2);
  }

  @Test
  void patchByMergeThenDeleteThenGetAnswersNotFound() throws Exception {
    kubectl.ok("create", "configmap", "limits", "--from-literal=cpu=1");
    assertThat(kubectl.ok("patch", "configmap", "limits", "--type=merge", "-p", "{\"data\":{\"memory\":\"1Gi\"}}"))
        .contains("configmap/limits patched");
    JsonNode patched = json(kubectl.ok("get", "configmap", "limits", "-o", "json"));
    assertThat(patched.path("data")).isEqualTo(JSON.readTree("{\"cpu\":\"1\",\"memory\":\"1Gi\"}"));

    assertThat(kubectl.ok("delete", "configmap", "limits")).contains("configmap \"limits\" deleted");
    Kubectl.Result missing = kubectl.run("get", "configmap", "limits");
    assertThat(missing.exitCode()).isNotZero();
    assertThat(missing.output()).contains("Error from server (NotFound): configmaps \"limits\" not found");
  }

  @Test
  void creatingANamespaceThatExistsAnswersAlreadyExists() throws Exception {
    Kubectl.Result again = kubectl.run("create", "namespace", "default");

    assertThat(again.exitCode()).isNotZero();
    assertThat(again.output()).contains("Error from server (AlreadyExists): namespaces \"default\" already exists");
  }

  @Test
  void anInvalidObjectIsRefusedWith422NamingTheField() throws Exception {
    Kubectl.Result invalid = kubectl.run("create", "configmap", "Bad_Name", "--from-literal=a=b");
    assertThat(invalid.exitCode()).isNotZero();
    assertThat(invalid.output())
        .contains("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\"");

    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(kubernetes.url() + "/api/v1/namespaces/default/configmaps"))
        .header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"ok\",\"labels\":{\"bad label\":\"x\"}}}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(422);
    JsonNode status = json(response.body());
    assertThat(status.path("kind").asText()).isEqualTo("Status");
    assertThat(status.path("reason").asText()).isEqualTo("Invalid");
    assertThat(status.at("/details/causes/0/field").asText()).isEqualTo("metadata.labels");
  }

  @Test
  void getWatchStreamsEventsUntilItIsStopped() throws Exception {
    kubectl.ok("create", "namespace", "watched");
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Process watch = kubectl.stream(lines, "get", "configmaps", "-n", "watched", "--watch",
        "-o", "json", "--output-watch-events");
    try {
      kubernetes.client().resource(new ConfigMapBuilder().withNewMetadata().withName("first")
          .withNamespace("watched").endMetadata().withData(Map.of("k", "v")).build()).create();
      List<String> seen = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (seen.stream().noneMatch(l -> l.contains("first")) && System.nanoTime() < deadline) {
        String line = lines.poll(1, TimeUnit.SECONDS);
        if (line != null) {
          seen.add(line);
        }
      }
      assertThat(String.join("\n", seen)).contains("ADDED").contains("first");
      assertThat(watch.isAlive()).as("the watch goes on until it is stopped; it printed %s", seen).isTrue();
    } finally {
      watch.destroy();
      assertThat(watch.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void deletingANamespaceDeletesEverythingInItFromEtcdToo() throws Exception {
    kubectl.ok("create", "namespace", "scratch");
    kubectl.ok("create", "configmap", "scratch-cm", "-n", "scratch", "--from-literal=k=v");
    kubectl.ok("create", "secret", "generic", "scratch-secret", "-n", "scratch", "--from-literal=k=v");
    kubectl.ok("create", "deployment", "scratch-deploy", "-n", "scratch", "--image=nginx:1.25");
    assertThat(etcdctl("get", "--prefix", "/registry/", "--keys-only"))
        .contains("/registry/deployments/scratch/scratch-deploy");

    assertThat(kubectl.ok("delete", "namespace", "scratch")).contains("namespace \"scratch\" deleted");

    assertThat(kubectl.run("get", "namespace", "scratch").output()).contains("NotFound");
    assertThat(kubectl.ok("get", "configmaps,secrets,deployments", "-A", "-o", "name"))
        .doesNotContain("scratch-");
    assertThat(etcdctl("get", "--prefix", "/registry/", "--keys-only")).doesNotContain("/scratch");
  }

  private static String manifest(String image) {
    return String.join("\n",
        "apiVersion: v1",
        "kind: Secret",
        "metadata:",
        "  name: app-token",
        "  namespace: apply-test",
        "stringData:",
        "  token: s3cr3t",
        "---",
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        "  name: web",
        "  namespace: apply-test",
        "spec:",
        "  replicas: 1",
        "  selector:",
        "    matchLabels: {app: web}",
        "  template:",
        "    metadata:",
        "      labels: {app: web}",
        "    spec:",
        "      containers:",
        "      - name: web",
        "        image: " + image,
        "");
  }

  private static String etcdctl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(etcdctl.toString(), "--endpoints=" + etcd.endpoints().get(0)));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("ETCDCTL_API", "3");
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("etcdctl %s: %s", command, output).isZero();
    return output;
  }

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
