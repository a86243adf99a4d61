package dev.lifeboat.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.lifeboat.retry.RetriableFailure;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The clusters a restore may go to: the protected cluster (by its Lifeboat name, or when no target
 * is named), and every context of the kubeconfig Lifeboat was given. In the demo that is the demo's
 * own cluster, under its name {@code demo} and its context {@code lifeboat-local}.
 */
public final class TargetClusters implements AutoCloseable {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final String protectedCluster;
  private final Supplier<KubernetesClient> protectedClient;
  private final Path kubeconfig;
  private final String protectedContext;
  private final Map<String, KubernetesClient> clients = new LinkedHashMap<>();

  /**
   * @param kubeconfig the kubeconfig whose contexts are targets (null: none beyond the protected cluster)
   * @param protectedContext the context the protected cluster's client uses (null: the kubeconfig's current one)
   */
  public TargetClusters(String protectedCluster, Supplier<KubernetesClient> protectedClient, Path kubeconfig,
      String protectedContext) {
    this.protectedCluster = protectedCluster;
    this.protectedClient = protectedClient;
    this.kubeconfig = kubeconfig;
    this.protectedContext = protectedContext != null ? protectedContext : currentContext(kubeconfig);
  }

  /** The name a restore's target is reported under: the cluster's own name when none was given. */
  public String resolve(String target) {
    return target == null || target.isBlank() ? protectedCluster : target;
  }

  public boolean isKnown(String target) {
    String name = resolve(target);
    return name.equals(protectedCluster) || contexts().contains(name);
  }

  /** Every name a restore may target. */
  public List<String> known() {
    List<String> names = new ArrayList<>();
    names.add(protectedCluster);
    contexts().stream().filter(c -> !c.equals(protectedCluster)).forEach(names::add);
    return names;
  }

  /** The client of a known target. */
  public synchronized KubernetesClient client(String target) {
    String name = resolve(target);
    if (name.equals(protectedCluster) || name.equals(protectedContext)) {
      return protectedClient.get();
    }
    if (!contexts().contains(name)) {
      throw new IllegalArgumentException("unknown target cluster '" + name + "'; known: " + known());
    }
    return clients.computeIfAbsent(name, context -> {
      try {
        Config config = Config.fromKubeconfig(context, Files.readString(kubeconfig), kubeconfig.toString());
        return new KubernetesClientBuilder().withConfig(config).build();
      } catch (IOException e) {
        throw new RetriableFailure("the kubeconfig " + kubeconfig + " cannot be read: " + e.getMessage(), e);
      }
    });
  }

  /** Whether a namespace exists in the target; an unreachable API server is a retriable failure. */
  public boolean namespaceExists(String target, String namespace) {
    try {
      return client(target).namespaces().withName(namespace).get() != null;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 0 || e.getCode() >= 500 || e.getCode() == 429) {
        throw new RetriableFailure("the API server of " + resolve(target) + " cannot be reached: " + e.getMessage(), e);
      }
      throw e;
    }
  }

  private List<String> contexts() {
    List<String> names = new ArrayList<>();
    JsonNode root = read(kubeconfig);
    if (root != null) {
      root.path("contexts").forEach(c -> {
        if (c.hasNonNull("name")) {
          names.add(c.get("name").asText());
        }
      });
    }
    return names;
  }

  private static String currentContext(Path kubeconfig) {
    JsonNode root = read(kubeconfig);
    return root == null || !root.hasNonNull("current-context") ? null : root.get("current-context").asText();
  }

  private static JsonNode read(Path kubeconfig) {
    if (kubeconfig == null || !Files.isRegularFile(kubeconfig)) {
      return null;
    }
    try {
      return YAML.readTree(kubeconfig.toFile());
    } catch (IOException e) {
      return null;
    }
  }

  /** The kubeconfig of a process: the configured file, else $KUBECONFIG (its first file), else ~/.kube/config. */
  public static Path kubeconfigOf(String configured) {
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    String env = System.getenv("KUBECONFIG");
    if (env != null && !env.isBlank()) {
      return Path.of(env.split(java.io.File.pathSeparator)[0]);
    }
    Path home = Path.of(System.getProperty("user.home"), ".kube", "config");
    return Files.isRegularFile(home) ? home : null;
  }

  public Optional<String> protectedContext() {
    return Optional.ofNullable(protectedContext);
  }

  @Override
  public synchronized void close() {
    clients.values().forEach(KubernetesClient::close);
    clients.clear();
  }
}
