package dev.lifeboat.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manifests in {@code deploy/} as a platform engineer uses them: each overlay renders with the
 * machine's {@code kubectl kustomize}, every object is a type fabric8 knows (a typo in a kind or an
 * apiVersion would come back generic), the workloads keep the promises the README makes (restricted
 * containers, probes, no secret in the ConfigMap), and {@code kubectl apply -k} creates them in the
 * local API.
 */
class DeployManifestsIT {
  private static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  @TempDir static Path dir;
  private static LocalKubernetes kubernetes;
  private static Kubectl kubectl;
  private static Path binary;

  @BeforeAll
  static void start() {
    binary = Tools.kubectl();
    kubernetes = LocalKubernetes.start(0);
    kubectl = new Kubectl(binary, kubernetes.writeKubeconfig(dir.resolve("kubeconfig")), dir.resolve("cache"));
  }

  @AfterAll
  static void stop() {
    if (kubernetes != null) {
      kubernetes.close();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"all-in-one", "split"})
  void everyOverlayRendersIntoKnownTypesKeepsItsPromisesAndApplies(String overlay) throws Exception {
    Path path = DEPLOY.resolve("overlays").resolve(overlay);
    List<HasMetadata> objects = parse(render(path));

    assertThat(objects).isNotEmpty().allSatisfy(o -> assertThat(o).as(o.getKind() + " " + o.getMetadata().getName())
        .isNotInstanceOf(GenericKubernetesResource.class));
    assertThat(objects).filteredOn(o -> o.getKind().equals("ConfigMap")).singleElement().satisfies(c ->
        assertThat(SERIALIZATION.asYaml(c)).as("no secret in the ConfigMap, only references to the environment")
            .contains("${LIFEBOAT_MASTER_KEY}", "${PRIMARY_SECRET_KEY}").doesNotContainPattern("(?i)secretKey: [^$\\s]"));
    List<PodSpec> pods = new ArrayList<>();
    for (HasMetadata o : objects) {
      if (o instanceof Deployment d) {
        pods.add(d.getSpec().getTemplate().getSpec());
        assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("app.kubernetes.io/part-of", "lifeboat");
        Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(d.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(c.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
      } else if (o instanceof DaemonSet ds) {
        pods.add(ds.getSpec().getTemplate().getSpec());
        Container c = ds.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(c.getSecurityContext().getCapabilities().getAdd()).containsExactly("DAC_READ_SEARCH");
        assertThat(c.getVolumeMounts()).filteredOn(m -> m.getMountPath().equals("/var/lib/kubelet/pods")).singleElement()
            .satisfies(m -> assertThat(m.getReadOnly()).isTrue());
      }
    }
    assertThat(pods).as("a node agent and at least one worker").hasSizeGreaterThan(1).allSatisfy(p -> {
      Container c = p.getContainers().get(0);
      assertThat(c.getImage()).as("the image named in one place").isEqualTo("ghcr.io/lifeboat-dev/lifeboat:0.1.0");
      assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/health/live");
      assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health/ready");
      assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
      assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
      assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
      assertThat(c.getResources().getLimits()).containsKey("memory");
      assertThat(c.getEnvFrom()).anySatisfy(e -> assertThat(e.getSecretRef().getName()).isEqualTo("lifeboat-secrets"));
    });

    String applied = kubectl.ok("apply", "-k", path.toString());
    assertThat(applied).contains("namespace/lifeboat", "configmap/lifeboat-config-", "networkpolicy.networking.k8s.io/lifeboat",
        "daemonset.apps/lifeboat-node-agent");
    for (HasMetadata o : objects) {
      String namespace = o.getMetadata().getNamespace();
      var resource = kubernetes.client().resource(o);
      assertThat(namespace == null ? resource.get() : resource.inNamespace(namespace).get())
          .as("%s %s in the local API", o.getKind(), o.getMetadata().getName()).isNotNull();
    }
    // kubectl always sends a PodDisruptionBudget's selector again (its patch strategy is "replace"), so
    // it reports PDBs "configured" against a real API server too; everything else must be unchanged
    assertThat(kubectl.ok("apply", "-k", path.toString()).lines()).as("a second apply changes nothing")
        .allSatisfy(line -> assertThat(line).matches(".* unchanged|poddisruptionbudget\\.policy/\\S+ configured"));
  }

  @Test
  void theControlPlaneComponentRunsAnAgentWithEtcKubernetesReadOnlyOnControlPlaneNodesAndTheNodeAgentElsewhere()
      throws Exception {
    // an overlay as the component's kustomization.yaml asks: after node-agent, before workload
    Path overlay = Files.createDirectories(dir.resolve("with-control-plane"));
    String deploy = overlay.relativize(DEPLOY).toString();
    Files.writeString(overlay.resolve("kustomization.yaml"), String.join("\n", "apiVersion: kustomize.config.k8s.io/v1beta1",
        "kind: Kustomization", "namespace: lifeboat", "resources:", "  - " + deploy + "/base", "components:",
        "  - " + deploy + "/components/node-agent", "  - " + deploy + "/components/control-plane",
        "  - " + deploy + "/components/workload", ""));
    List<HasMetadata> objects = parse(render(overlay));
    DaemonSet agent = daemonSet(objects, "lifeboat-control-plane-agent");
    DaemonSet nodeAgent = daemonSet(objects, "lifeboat-node-agent");

    PodSpec pod = agent.getSpec().getTemplate().getSpec();
    assertThat(pod.getNodeSelector()).containsEntry("node-role.kubernetes.io/control-plane", "");
    assertThat(pod.getTolerations()).anySatisfy(t -> assertThat(t.getKey()).isEqualTo("node-role.kubernetes.io/control-plane"));
    assertThat(pod.getAutomountServiceAccountToken()).as("no Kubernetes API access").isFalse();
    Container c = pod.getContainers().get(0);
    assertThat(c.getImage()).isEqualTo("ghcr.io/lifeboat-dev/lifeboat:0.1.0");
    assertThat(agent.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("app.kubernetes.io/part-of", "lifeboat");
    assertThat(c.getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("LIFEBOAT_CONTROL_PLANE");
      assertThat(e.getValue()).isEqualTo("true");
    });
    assertThat(c.getVolumeMounts()).filteredOn(m -> m.getMountPath().equals("/etc/kubernetes")).singleElement()
        .satisfies(m -> assertThat(m.getReadOnly()).as("read-only, at the node's own path").isTrue());
    assertThat(pod.getVolumes()).filteredOn(v -> v.getHostPath() != null).extracting(v -> v.getHostPath().getPath())
        .contains("/etc/kubernetes");
    assertThat(c.getVolumeMounts()).filteredOn(m -> m.getMountPath().equals("/var/lib/kubelet/pods")).singleElement()
        .satisfies(m -> assertThat(m.getReadOnly()).as("it serves its node's volumes too").isTrue());
    assertThat(c.getSecurityContext().getCapabilities().getAdd()).containsExactly("DAC_READ_SEARCH");
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();

    assertThat(nodeAgent.getSpec().getTemplate().getSpec().getAffinity().getNodeAffinity()
        .getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms()).singleElement()
        .satisfies(term -> assertThat(term.getMatchExpressions()).singleElement().satisfies(e -> {
          assertThat(e.getKey()).isEqualTo("node-role.kubernetes.io/control-plane");
          assertThat(e.getOperator()).as("one agent per node: the plain one stays off control-plane nodes").isEqualTo("DoesNotExist");
        }));
    assertThat(nodeAgent.getSpec().getTemplate().getSpec().getContainers().get(0).getVolumeMounts())
        .noneSatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/etc/kubernetes"));

    assertThat(kubectl.ok("apply", "-k", overlay.toString())).contains("daemonset.apps/lifeboat-control-plane-agent");
    assertThat(kubernetes.client().apps().daemonSets().inNamespace("lifeboat").withName("lifeboat-control-plane-agent").get())
        .isNotNull();
  }

  private static DaemonSet daemonSet(List<HasMetadata> objects, String name) {
    return objects.stream().filter(o -> o instanceof DaemonSet && o.getMetadata().getName().equals(name))
        .map(DaemonSet.class::cast).findFirst().orElseThrow(() -> new AssertionError("no DaemonSet " + name));
  }

  private static String render(Path overlay) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(binary.toString(), "kustomize", overlay.toString()).redirectError(dir.resolve("kustomize.err").toFile())
        .start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("kubectl kustomize %s: %s", overlay, Files.readString(dir.resolve("kustomize.err"))).isZero();
    return new String(out, StandardCharsets.UTF_8);
  }

  private static List<HasMetadata> parse(String yaml) {
    List<HasMetadata> objects = new ArrayList<>();
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      if (!doc.isBlank()) {
        objects.add(SERIALIZATION.unmarshal(doc, HasMetadata.class));
      }
    }
    return objects;
  }
}
