package dev.lifeboat.verifier;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatConfig.KubernetesConfig;
import dev.lifeboat.kube.KubeClients;
import dev.lifeboat.kube.ScratchInventory;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Where verifications restore to: the scratch cluster (or the protected one, or a designated one)
 * with its scratch namespaces {@code <prefix>-<verification id>-<namespace>} labelled {@value
 * ScratchTargets#LABEL}{@code =<verification id>}, and the scratch directory with one directory
 * {@code <verification id>} per verification. The verifier creates and removes what is there ({@link
 * ScratchTargets}); {@code lifeboat check --pipeline} lists it to find what was left behind.
 */
public final class ScratchSpace implements ScratchInventory {
  private final Supplier<KubernetesClient> cluster;
  private final boolean dedicated;
  private final String description;
  private final String prefix;
  private final Path dir;

  ScratchSpace(Supplier<KubernetesClient> cluster, boolean dedicated, String description, String prefix, Path dir) {
    this.cluster = cluster;
    this.dedicated = dedicated;
    this.description = description;
    this.prefix = prefix;
    this.dir = dir;
  }

  /** The scratch space a configuration names, seen from this machine (the CLI's view of the verifier's). */
  public static ScratchSpace of(LifeboatConfig config) {
    return of(config.kubernetes(), config.section(VerifierConfig.SECTION));
  }

  /** The scratch space of {@code settings}, the protected cluster reached as {@code kubernetes} says. */
  public static ScratchSpace of(KubernetesConfig kubernetes, VerifierConfig settings) {
    Supplier<KubernetesClient> protectedCluster = lazily(() -> KubeClients.connect(kubernetes.kubeconfig(),
        kubernetes.context(), "kubernetes.kubeconfig"));
    return of(kubernetes.kubeconfig(), protectedCluster, settings);
  }

  /**
   * The scratch cluster when {@code verifier.scratchContext} names one (dedicated: CRDs may be restored
   * there), else the designated context, else the protected cluster itself; and {@code verifier.scratchDir}.
   */
  static ScratchSpace of(String protectedKubeconfig, Supplier<KubernetesClient> protectedCluster, VerifierConfig settings) {
    String kubeconfig = !settings.scratchKubeconfig().isEmpty() ? settings.scratchKubeconfig() : protectedKubeconfig;
    boolean dedicated = !settings.scratchContext().isEmpty();
    String kubeContext = dedicated ? settings.scratchContext() : settings.designatedContext();
    if (kubeContext.isEmpty() && settings.scratchKubeconfig().isEmpty()) {
      return new ScratchSpace(protectedCluster, false,
          "the protected cluster (scratch namespaces " + settings.namespacePrefix() + "-*)", settings.namespacePrefix(),
          settings.scratchDir());
    }
    String setting = settings.scratchKubeconfig().isEmpty() ? "kubernetes.kubeconfig" : "verifier.scratchKubeconfig";
    return new ScratchSpace(lazily(() -> KubeClients.connect(kubeconfig, kubeContext, setting)), dedicated,
        (dedicated ? "scratch cluster " : "designated cluster ") + "context " + (kubeContext.isEmpty() ? "(current)" : kubeContext),
        settings.namespacePrefix(), settings.scratchDir());
  }

  private static Supplier<KubernetesClient> lazily(Supplier<KubernetesClient> connect) {
    KubernetesClient[] built = new KubernetesClient[1];
    return () -> {
      synchronized (built) {
        if (built[0] == null) {
          built[0] = connect.get();
        }
        return built[0];
      }
    };
  }

  KubernetesClient cluster() {
    return cluster.get();
  }

  boolean dedicated() {
    return dedicated;
  }

  @Override
  public String describeCluster() {
    return description;
  }

  String prefix() {
    return prefix;
  }

  @Override
  public Path directory() {
    return dir;
  }

  /** Whether a namespace is one of ours by its name. */
  boolean isScratch(String namespace) {
    return namespace.startsWith(prefix + "-");
  }

  /**
   * Every scratch namespace in the scratch cluster: labelled {@value ScratchTargets#LABEL} and named
   * with the prefix (never anything else). Throws when the cluster cannot be reached.
   */
  @Override
  public List<ScratchNamespace> namespaces() {
    return cluster.get().namespaces().withLabel(ScratchTargets.LABEL).list().getItems().stream()
        .filter(ns -> isScratch(ns.getMetadata().getName()))
        .map(ScratchSpace::scratchNamespace)
        .toList();
  }

  private static ScratchNamespace scratchNamespace(Namespace ns) {
    String created = ns.getMetadata().getCreationTimestamp();
    return new ScratchNamespace(ns.getMetadata().getName(), ns.getMetadata().getLabels().get(ScratchTargets.LABEL),
        created == null ? null : Instant.parse(created), ns.getMetadata().getDeletionTimestamp() != null);
  }

  /** The verifications' directories under the scratch directory; empty when it does not exist on this machine. */
  @Override
  public Optional<List<ScratchDirectory>> directories() {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    try (Stream<Path> children = Files.list(dir)) {
      return Optional.of(children.map(p -> new ScratchDirectory(p, p.getFileName().toString(), modified(p))).toList());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the scratch directory " + dir, e);
    }
  }

  private static Instant modified(Path p) {
    try {
      return Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant();
    } catch (IOException e) {
      return null; // removed while listed
    }
  }
}
