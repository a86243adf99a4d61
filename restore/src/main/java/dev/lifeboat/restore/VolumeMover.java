package dev.lifeboat.restore;

import dev.lifeboat.repository.Manifest;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.CapabilitiesBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ExecListener;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.fabric8.kubernetes.client.dsl.PodResource;
import java.io.IOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a volume snapshot's files into a restored claim's new volume through the target's API: a
 * short-lived data-mover pod of Lifeboat's image mounts the claim at {@value #MOUNT_PATH}, and once it
 * runs, {@code lifeboat volume receive /data} is exec'd in it with the snapshot streamed on its stdin
 * ({@link VolumeStream}); the receiver checks every file's SHA-256 and size and prints a summary,
 * which is checked against the manifest. The pod is deleted whatever happens. Needs, in the claim's
 * namespace: {@code create}, {@code get}, {@code delete} on pods and {@code create} (and, before
 * Kubernetes 1.35, {@code get}) on {@code pods/exec}.
 */
public final class VolumeMover {
  /** The labels of every mover pod (a local test API runs pods with these labels only). */
  public static final Map<String, String> LABELS = Map.of("app.kubernetes.io/managed-by", "lifeboat",
      "app.kubernetes.io/component", "data-mover");
  public static final String MOUNT_PATH = "/data";
  public static final String CONTAINER = "mover";
  /** What is exec'd in the mover: the image's {@code lifeboat} executable must be on its PATH. */
  public static final List<String> RECEIVE_COMMAND = List.of("lifeboat", "volume", "receive", MOUNT_PATH);
  private static final Logger log = LoggerFactory.getLogger(VolumeMover.class);
  private static final Duration FINISH = Duration.ofMinutes(5);
  private static final int KEPT_OUTPUT = 64 << 10;

  /**
   * What a move did.
   *
   * @param claim {@code namespace/name}
   * @param pod {@code namespace/name} of the mover pod (deleted)
   */
  public record Result(String claim, String pod, String snapshotId, long files, long bytes, Duration duration) {}

  private final RestoreSource source;
  private final KubernetesClient target;
  private final String image;
  private final Duration startTimeout;
  private final boolean owners;

  /**
   * @param image Lifeboat's image, which the mover pod runs
   * @param startTimeout how long the mover pod may take to run (its claim to bind, its image to pull)
   */
  public VolumeMover(RestoreSource source, KubernetesClient target, String image, Duration startTimeout) {
    this(source, target, image, startTimeout, false);
  }

  /** @param owners run the mover as root with CHOWN and FOWNER alone, so files get their recorded owners */
  public VolumeMover(RestoreSource source, KubernetesClient target, String image, Duration startTimeout, boolean owners) {
    this.source = source;
    this.target = target;
    this.image = image;
    this.startTimeout = startTimeout;
    this.owners = owners;
  }

  /**
   * The mover pod: no service account token, a read-only root file system, no privilege escalation,
   * the runtime's seccomp profile. It runs as user 65532 with no capability; when it must give files
   * their owners, as root with CHOWN (to set them) and FOWNER (to set the mode and time of a file that
   * is no longer its own) and nothing else: without DAC_OVERRIDE it writes only where the volume's
   * group (the pod's fsGroup) may.
   */
  static Pod moverPod(String namespace, String name, String claim, String image, boolean owners) {
    long user = owners ? 0L : 65532L;
    return new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace).withLabels(LABELS)
        .addToAnnotations("lifeboat.dev/claim", claim).endMetadata()
        .withNewSpec().withRestartPolicy("Never").withAutomountServiceAccountToken(false)
        .withNewSecurityContext().withRunAsNonRoot(!owners).withRunAsUser(user).withRunAsGroup(user)
        .withFsGroup(65532L).withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
        .addNewContainer().withName(CONTAINER).withImage(image).withArgs("volume", "hold")
        .withNewSecurityContext().withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
        .withCapabilities(owners ? new CapabilitiesBuilder().withDrop("ALL").withAdd("CHOWN", "FOWNER").build()
            : new CapabilitiesBuilder().withDrop("ALL").build())
        .endSecurityContext()
        .addNewVolumeMount().withName("data").withMountPath(MOUNT_PATH).endVolumeMount().endContainer()
        .addNewVolume().withName("data").withNewPersistentVolumeClaim().withClaimName(claim).endPersistentVolumeClaim()
        .endVolume().endSpec().build();
  }

  /** The name of the mover pod of {@code claim}: at most 63 characters, distinct per claim. */
  public static String podName(String claim) {
    String prefix = "lifeboat-mover-" + claim;
    return prefix.length() <= 63 ? prefix : ObjectNames.hashed(prefix, claim);
  }

  /**
   * Writes {@code manifest}'s volume into claim {@code namespace/claim} (its volume should be new and
   * empty: files at the same paths are replaced, others stay).
   *
   * @throws IllegalArgumentException not a volume snapshot
   * @throws VolumeMoveException the move failed; the message names the claim, the pod and what to fix
   */
  public Result move(String namespace, String claim, Manifest manifest, Progress progress) {
    long started = System.nanoTime();
    if (manifest.kind() != dev.lifeboat.events.v1.SnapshotKind.VOLUME) {
      throw new IllegalArgumentException("snapshot " + manifest.snapshotId() + " is a " + manifest.kind()
          + " snapshot, not a volume");
    }
    VolumeStream.Contents contents = VolumeStream.contents(manifest);
    String name = podName(claim);
    String claimId = namespace + "/" + claim;
    String podId = namespace + "/" + name;
    PodResource pod = target.pods().inNamespace(namespace).withName(name);
    RuntimeException failure = null;
    try {
      try {
        create(namespace, name, claim, pod);
      } catch (KubernetesClientException e) {
        throw new VolumeMoveException(claimId, podId, "cannot create the data mover pod " + podId + " for claim "
            + claimId + " (the restoring role needs create, get and delete on pods, create on pods/exec): "
            + e.getMessage(), e);
      }
      awaitRunning(namespace, claim, claimId, podId, pod);
      VolumeReceiver.Summary summary = send(manifest, contents, pod, claimId, podId, progress);
      check(summary, contents, manifest, claimId, podId);
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      log.info("Moved snapshot {} into claim {}: {} files, {} bytes in {} ms", manifest.snapshotId(), claimId,
          summary.files(), summary.bytes(), took.toMillis());
      return new Result(claimId, podId, manifest.snapshotId(), summary.files(), summary.bytes(), took);
    } catch (RuntimeException e) {
      failure = e;
      throw e;
    } finally {
      delete(pod, claimId, podId, failure);
    }
  }

  private void create(String namespace, String name, String claim, PodResource pod) {
    Pod mover = moverPod(namespace, name, claim, image, owners);
    try {
      target.pods().inNamespace(namespace).resource(mover).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      // a mover left by an interrupted move: start afresh
      pod.withGracePeriod(0).delete();
      pod.waitUntilCondition(p -> p == null, startTimeout.toMillis(), TimeUnit.MILLISECONDS);
      target.pods().inNamespace(namespace).resource(mover).create();
    }
  }

  private void awaitRunning(String namespace, String claim, String claimId, String podId, PodResource pod) {
    try {
      pod.waitUntilCondition(p -> p == null || ready(p) || ended(p), startTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (KubernetesClientException e) {
      // not running in time: said below, with what the pod and the claim show
    }
    Pod now = pod.get();
    if (now != null && ready(now)) {
      return;
    }
    PersistentVolumeClaim pvc = target.persistentVolumeClaims().inNamespace(namespace).withName(claim).get();
    String claimState = pvc == null ? "the claim does not exist"
        : "the claim is " + (pvc.getStatus() == null ? "without status" : pvc.getStatus().getPhase())
            + " (storage class " + pvc.getSpec().getStorageClassName() + ")";
    String podState = now == null ? "the pod was deleted"
        : "phase " + (now.getStatus() == null ? null : now.getStatus().getPhase()) + ", conditions "
            + (now.getStatus() == null || now.getStatus().getConditions() == null ? "none"
                : now.getStatus().getConditions().stream().map(c -> c.getType() + "=" + c.getStatus()
                    + (c.getReason() == null ? "" : " " + c.getReason()) + (c.getMessage() == null ? "" : ": "
                        + c.getMessage())).toList());
    throw new VolumeMoveException(claimId, podId, "the data mover pod " + podId + " for claim " + claimId
        + " did not run within " + startTimeout.toSeconds() + " s: " + podState + "; " + claimState
        + ". Check that the claim can be bound (its storage class and provisioner) and that the image " + image
        + " can be pulled", null);
  }

  private VolumeReceiver.Summary send(Manifest manifest, VolumeStream.Contents contents, PodResource pod,
      String claimId, String podId, Progress progress) {
    Tail stdout = new Tail();
    Tail stderr = new Tail();
    CountDownLatch closed = new CountDownLatch(1);
    AtomicLong sent = new AtomicLong();
    ExecutorService fetches = Executors.newFixedThreadPool(2, new NamedThreads("lifeboat-mover-fetch"));
    String failure = null;
    int exitCode;
    try (ExecWatch exec = pod.inContainer(CONTAINER).redirectingInput().writingOutput(stdout).writingError(stderr)
        .usingListener(new ExecListener() {
          @Override
          public void onClose(int code, String reason) {
            closed.countDown();
          }

          @Override
          public void onFailure(Throwable t, Response response) {
            closed.countDown();
          }
        }).exec(RECEIVE_COMMAND.toArray(String[]::new))) {
      try (OutputStream in = exec.getInput()) {
        VolumeStream.write(source.repository(), manifest, in, fetches, bytes -> progress.report(
            Progress.Update.of("moving", sent.addAndGet(bytes), contents.bytes(), "bytes")));
      } catch (IOException e) {
        failure = "the stream to the receiver broke after " + sent.get() + " bytes: " + e.getMessage();
      }
      try {
        exitCode = exec.exitCode().get(FINISH.toMillis(), TimeUnit.MILLISECONDS);
        closed.await(30, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        throw new VolumeMoveException(claimId, podId, "the receiver in pod " + podId + " for claim " + claimId
            + " did not finish" + (failure == null ? "" : " (" + failure + ")") + ": " + e.getMessage()
            + stderr.describe(), e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VolumeMoveException(claimId, podId, "interrupted moving into claim " + claimId, e);
    } finally {
      fetches.shutdownNow();
    }
    progress.report(Progress.Update.of("moving", sent.get(), contents.bytes(), "bytes").last());
    VolumeReceiver.Summary summary = summary(stdout.text());
    if (exitCode != 0 || summary == null) {
      throw new VolumeMoveException(claimId, podId, "the receiver in pod " + podId + " for claim " + claimId
          + " exited " + exitCode + (failure == null ? "" : " (" + failure + ")")
          + (summary == null ? " without a summary" : ": " + describe(summary)) + stderr.describe(), null);
    }
    return summary;
  }

  private static void check(VolumeReceiver.Summary summary, VolumeStream.Contents contents, Manifest manifest,
      String claimId, String podId) {
    if (!summary.ok() || summary.files() != contents.files() || summary.bytes() != contents.bytes()) {
      throw new VolumeMoveException(claimId, podId, "claim " + claimId + " did not receive snapshot "
          + manifest.snapshotId() + " whole: the receiver wrote " + summary.files() + " files (" + summary.bytes()
          + " bytes) of " + contents.files() + " (" + contents.bytes() + " bytes); " + describe(summary), null);
    }
  }

  private static String describe(VolumeReceiver.Summary summary) {
    return summary.mismatches().size() + " files did not match their SHA-256 and were removed "
        + summary.mismatches().stream().limit(10).map(VolumeReceiver.Mismatch::path).toList()
        + (summary.errors().isEmpty() ? "" : ", errors " + summary.errors().stream().limit(10).toList())
        + (summary.complete() ? "" : ", the stream ended early");
  }

  /** The summary the receiver printed: its last line that is a JSON object. */
  private static VolumeReceiver.Summary summary(String stdout) {
    List<String> lines = stdout.lines().map(String::trim).filter(l -> l.startsWith("{")).toList();
    if (lines.isEmpty()) {
      return null;
    }
    try {
      return VolumeReceiver.Summary.fromJson(lines.get(lines.size() - 1));
    } catch (IOException e) {
      return null;
    }
  }

  private static boolean ready(Pod pod) {
    return pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase())
        && pod.getStatus().getContainerStatuses() != null && pod.getStatus().getContainerStatuses().stream()
            .anyMatch(s -> CONTAINER.equals(s.getName()) && Boolean.TRUE.equals(s.getReady()));
  }

  private static boolean ended(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  private static void delete(PodResource pod, String claimId, String podId, RuntimeException failure) {
    try {
      pod.withGracePeriod(0).delete();
    } catch (KubernetesClientException e) {
      VolumeMoveException left = new VolumeMoveException(claimId, podId, "cannot delete the data mover pod " + podId
          + " of claim " + claimId + " (delete it by hand): " + e.getMessage(), e);
      if (failure != null) {
        failure.addSuppressed(left);
      } else {
        throw left;
      }
    }
  }

  /** Keeps the last {@value #KEPT_OUTPUT} bytes written. */
  private static final class Tail extends OutputStream {
    private final java.io.ByteArrayOutputStream kept = new java.io.ByteArrayOutputStream();

    @Override
    public synchronized void write(int b) {
      kept.write(b);
      trim();
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      kept.write(b, off, len);
      trim();
    }

    private void trim() {
      if (kept.size() > 2 * KEPT_OUTPUT) {
        byte[] all = kept.toByteArray();
        kept.reset();
        kept.write(all, all.length - KEPT_OUTPUT, KEPT_OUTPUT);
      }
    }

    synchronized String text() {
      return kept.toString(StandardCharsets.UTF_8);
    }

    String describe() {
      String text = text().trim();
      return text.isEmpty() ? "" : "; its stderr: " + text.substring(Math.max(0, text.length() - 2000))
          .replace('\n', ' ');
    }
  }
}
