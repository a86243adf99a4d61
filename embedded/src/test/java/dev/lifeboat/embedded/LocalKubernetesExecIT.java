package dev.lifeboat.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.lifeboat.embedded.apiserver.ApiCall;
import dev.lifeboat.embedded.apiserver.ExecHandler;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.ExecListener;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pod exec over websockets (the remote-command protocol fabric8 and kubectl speak), the local kubelet
 * that runs data-mover pods, and the host-path volume provisioner of the local API.
 */
class LocalKubernetesExecIT {
  private static final Map<String, String> MOVER = Map.of("app.kubernetes.io/managed-by", "lifeboat",
      "app.kubernetes.io/component", "data-mover");

  @TempDir
  static Path volumes;

  private static LocalKubernetes kubernetes;
  private static KubernetesClient client;

  @BeforeAll
  static void start() {
    kubernetes = LocalKubernetes.start(0).provisionVolumes(volumes).onExec(LocalKubernetesExecIT::run);
    kubernetes.recordCalls();
    client = kubernetes.client();
  }

  @AfterAll
  static void stop() {
    kubernetes.close();
  }

  /** head N: copies N bytes of stdin to stdout; both: "out" and "err"; exit N; cat: stdin to stdout until it ends. */
  private static int run(ExecHandler.Exec exec) throws Exception {
    List<String> command = exec.command();
    switch (command.get(0)) {
      case "head" -> {
        byte[] data = exec.stdin().readNBytes(Integer.parseInt(command.get(1)));
        exec.stdout().write(data);
        return 0;
      }
      case "both" -> {
        exec.stdout().write("out".getBytes(StandardCharsets.UTF_8));
        exec.stderr().write("err".getBytes(StandardCharsets.UTF_8));
        return 0;
      }
      case "exit" -> {
        return Integer.parseInt(command.get(1));
      }
      case "cat" -> {
        exec.stdin().transferTo(exec.stdout());
        return 0;
      }
      default -> {
        exec.stderr().write(("unknown command " + command).getBytes(StandardCharsets.UTF_8));
        return 127;
      }
    }
  }

  @Test
  void stdinReachesTheCommandByteExactAndItsStdoutComesBack() throws Exception {
    runningMover("copy");
    byte[] data = new byte[3 * 1024 * 1024 + 11];
    new Random(7).nextBytes(data);

    Result result = exec("copy", new ByteArrayInputStream(data), "head", Integer.toString(data.length));

    assertThat(result.exitCode()).isZero();
    assertThat(result.stdout()).isEqualTo(data);
    assertThat(result.stderr()).isEmpty();
    assertThat(kubernetes.calls()).contains(new ApiCall(ApiCall.ANONYMOUS, "create", "", "pods", "exec", "default",
        "copy"));
  }

  @Test
  void stdoutAndStderrArriveApartAndExitCodesReachTheClient() throws Exception {
    runningMover("channels");

    Result both = exec("channels", null, "both");
    Result failed = exec("channels", null, "exit", "3");

    assertThat(new String(both.stdout(), StandardCharsets.UTF_8)).isEqualTo("out");
    assertThat(new String(both.stderr(), StandardCharsets.UTF_8)).isEqualTo("err");
    assertThat(both.exitCode()).isZero();
    assertThat(failed.exitCode()).isEqualTo(3);
  }

  @Test
  void aV5ClientEndsStdinWithACloseMessage() throws Exception {
    runningMover("v5");
    Vertx vertx = Vertx.vertx();
    try {
      CompletableFuture<String> status = new CompletableFuture<>();
      ByteArrayOutputStream stdout = new ByteArrayOutputStream();
      WebSocketConnectOptions options = new WebSocketConnectOptions().setAbsoluteURI(kubernetes.url().replace("http:", "ws:")
          + "/api/v1/namespaces/default/pods/v5/exec?command=cat&stdin=true&stdout=true&stderr=true")
          .setSubProtocols(List.of("v5.channel.k8s.io", "v4.channel.k8s.io"));
      WebSocket socket = vertx.createWebSocketClient().connect(options).toCompletionStage().toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
      assertThat(socket.subProtocol()).isEqualTo("v5.channel.k8s.io");
      socket.binaryMessageHandler(message -> {
        if (message.getByte(0) == 1) {
          stdout.writeBytes(message.getBytes(1, message.length()));
        } else if (message.getByte(0) == 3) {
          status.complete(message.getString(1, message.length()));
        }
      });
      socket.writeBinaryMessage(Buffer.buffer().appendByte((byte) 0).appendString("hello"));
      socket.writeBinaryMessage(Buffer.buffer().appendByte((byte) 255).appendByte((byte) 0));

      assertThat(status.get(10, TimeUnit.SECONDS)).contains("\"status\":\"Success\"");
      assertThat(stdout.toString(StandardCharsets.UTF_8)).isEqualTo("hello");
    } finally {
      vertx.close();
    }
  }

  @Test
  void aMissingPodIs404AndAPodNoNodeRunsIsRefusedWith400() throws Exception {
    client.pods().resource(new PodBuilder().withNewMetadata().withName("plain").endMetadata().withNewSpec()
        .addNewContainer().withName("app").withImage("busybox").endContainer().endSpec().build()).create();

    UpgradeRejectedException missing = refused(kubernetes, "absent");
    UpgradeRejectedException plain = refused(kubernetes, "plain");

    assertThat(missing.getStatus()).isEqualTo(404);
    assertThat(missing.getBody().toString()).contains("\"reason\":\"NotFound\"", "pods \\\"absent\\\" not found");
    assertThat(plain.getStatus()).isEqualTo(400);
    assertThat(plain.getBody().toString()).contains("pod plain does not have a host assigned");
    assertThat(client.pods().withName("plain").get().getSpec().getNodeName()).isNull();
  }

  @Test
  void withoutAnExecHandlerARunningPodsExecIsRefused() throws Exception {
    try (LocalKubernetes bare = LocalKubernetes.start(0)) {
      Pod pod = bare.client().pods().resource(new PodBuilder().withNewMetadata().withName("app").endMetadata()
          .withNewSpec().withNodeName("node-1").addNewContainer().withName("app").withImage("busybox").endContainer()
          .endSpec().build()).create();
      pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Running")
          .addNewContainerStatus().withName("app").withNewState().withNewRunning().endRunning().endState()
          .endContainerStatus().build());
      bare.client().pods().resource(pod).updateStatus();

      UpgradeRejectedException refusal = refused(bare, "app");

      assertThat(refusal.getStatus()).isEqualTo(500);
      assertThat(refusal.getBody().toString()).contains("error dialing backend");
    }
  }

  /** The answer to a websocket exec of {@code true} in {@code pod}, which must be a refusal. */
  private static UpgradeRejectedException refused(LocalKubernetes api, String pod) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      WebSocketConnectOptions options = new WebSocketConnectOptions().setAbsoluteURI(api.url().replace("http:", "ws:")
          + "/api/v1/namespaces/default/pods/" + pod + "/exec?command=true&stdout=true")
          .setSubProtocols(List.of("v4.channel.k8s.io"));
      CompletableFuture<WebSocket> connected = vertx.createWebSocketClient().connect(options).toCompletionStage()
          .toCompletableFuture();
      Throwable failure = catchThrowable(() -> connected.get(10, TimeUnit.SECONDS));
      assertThat(failure).isInstanceOf(ExecutionException.class).cause().isInstanceOf(UpgradeRejectedException.class);
      return (UpgradeRejectedException) failure.getCause();
    } finally {
      vertx.close();
    }
  }

  @Test
  void aClaimOfTheDefaultClassIsBoundToANewHostPathVolumeAndOneOfAnotherClassStaysPending() throws Exception {
    client.persistentVolumeClaims().resource(claim("elsewhere", "other-class")).create();
    client.persistentVolumeClaims().resource(claim("data", null)).create();

    PersistentVolumeClaim bound = await().atMost(Duration.ofSeconds(20)).until(
        () -> client.persistentVolumeClaims().withName("data").get(),
        c -> c.getStatus() != null && "Bound".equals(c.getStatus().getPhase()));

    PersistentVolume volume = client.persistentVolumes().withName(bound.getSpec().getVolumeName()).get();
    assertThat(volume.getSpec().getClaimRef().getName()).isEqualTo("data");
    assertThat(volume.getSpec().getClaimRef().getUid()).isEqualTo(bound.getMetadata().getUid());
    assertThat(volume.getSpec().getStorageClassName()).isEqualTo(LocalKubernetes.STORAGE_CLASS);
    assertThat(volume.getStatus().getPhase()).isEqualTo("Bound");
    assertThat(bound.getSpec().getStorageClassName()).isEqualTo(LocalKubernetes.STORAGE_CLASS);
    assertThat(bound.getMetadata().getAnnotations()).containsEntry("pv.kubernetes.io/bind-completed", "yes");
    Path directory = kubernetes.volumeDirectory("default", "data");
    assertThat(directory).startsWith(volumes).isDirectory().isEqualTo(Path.of(volume.getSpec().getHostPath().getPath()));
    try (var children = Files.list(directory)) {
      assertThat(children).isEmpty();
    }
    assertThat(client.storage().v1().storageClasses().withName(LocalKubernetes.STORAGE_CLASS).get().getMetadata()
        .getAnnotations()).containsEntry("storageclass.kubernetes.io/is-default-class", "true");
    // claims are handled in order: "data" was bound after "elsewhere" was seen and left alone
    PersistentVolumeClaim pending = client.persistentVolumeClaims().withName("elsewhere").get();
    assertThat(pending.getSpec().getVolumeName()).isNull();
    assertThat(client.persistentVolumes().list().getItems())
        .noneMatch(v -> "elsewhere".equals(v.getSpec().getClaimRef().getName()));
  }

  @Test
  void aMoverPodRunsOnceItsClaimIsBoundAndItsMountResolvesToTheVolume() {
    client.persistentVolumeClaims().resource(claim("mounted", null)).create();
    client.pods().resource(new PodBuilder().withNewMetadata().withName("mounter").withLabels(MOVER).endMetadata()
        .withNewSpec().addNewContainer().withName("mover").withImage("lifeboat").addNewVolumeMount().withName("data")
        .withMountPath("/data").endVolumeMount().endContainer().addNewVolume().withName("data")
        .withNewPersistentVolumeClaim().withClaimName("mounted").endPersistentVolumeClaim().endVolume().endSpec()
        .build()).create();

    Pod running = await().atMost(Duration.ofSeconds(20)).until(() -> client.pods().withName("mounter").get(),
        p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase()));

    assertThat(running.getSpec().getNodeName()).isEqualTo("lifeboat-local");
    assertThat(running.getStatus().getContainerStatuses()).singleElement().satisfies(s -> assertThat(s.getReady()).isTrue());
    Map<String, Object> pod = client.getKubernetesSerialization().convertValue(running, Map.class);
    assertThat(kubernetes.mountedDirectory(pod, "mover", "/data")).isEqualTo(kubernetes.volumeDirectory("default", "mounted"));
  }

  private static PersistentVolumeClaim claim(String name, String storageClass) {
    return new PersistentVolumeClaimBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec()
        .withStorageClassName(storageClass).withAccessModes("ReadWriteOnce").withNewResources()
        .addToRequests("storage", new Quantity("1Gi")).endResources().endSpec().build();
  }

  private static void runningMover(String name) {
    client.pods().resource(new PodBuilder().withNewMetadata().withName(name).withLabels(MOVER).endMetadata()
        .withNewSpec().addNewContainer().withName("mover").withImage("lifeboat").endContainer().endSpec().build())
        .create();
    await().atMost(Duration.ofSeconds(20)).until(() -> client.pods().withName(name).get(),
        p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase()));
  }

  private record Result(int exitCode, byte[] stdout, byte[] stderr) {}

  private static Result exec(String pod, InputStream stdin, String... command) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CountDownLatch closed = new CountDownLatch(1);
    var operation = client.pods().withName(pod);
    var reading = stdin == null ? operation : operation.readingInput(stdin);
    try (ExecWatch watch = reading.writingOutput(out).writingError(err).usingListener(new ExecListener() {
      @Override
      public void onClose(int code, String reason) {
        closed.countDown();
      }
    }).exec(command)) {
      int code = watch.exitCode().get(30, TimeUnit.SECONDS);
      assertThat(closed.await(30, TimeUnit.SECONDS)).isTrue();
      return new Result(code, out.toByteArray(), err.toByteArray());
    }
  }
}
