package dev.lifeboat.embedded;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kubernetes API on 127.0.0.1 over plain HTTP, kept in memory: fabric8's mock server in CRUD
 * mode, fronted by {@link DiscoveryDispatcher} so that API discovery works, for fabric8 clients
 * and for the real {@code kubectl} alike.
 *
 * <p>What it does: create, get, list, update, JSON merge patch, delete and watch of any kind,
 * including custom resources of CustomResourceDefinitions created at run time. What it does not:
 * controllers (a Deployment makes no Pods), admission and validation, server-side apply, strategic
 * merge patch, OpenAPI documents, authentication. It starts with the namespaces a real cluster has
 * ({@code default}, {@code kube-system}, {@code kube-public}, {@code kube-node-lease}); nothing is
 * kept after {@link #close()}.
 */
public final class LocalKubernetes implements AutoCloseable {

  /** The name of the cluster, user and context in {@link #writeKubeconfig(Path)}. */
  public static final String CONTEXT = "lifeboat-local";

  private static final Logger log = LoggerFactory.getLogger(LocalKubernetes.class);
  private static final List<String> INITIAL_NAMESPACES =
      List.of("default", "kube-system", "kube-public", "kube-node-lease");

  /**
   * The mock server logs every request at INFO through java.util.logging, straight to the console.
   * Requests are logged at DEBUG by {@link DiscoveryDispatcher} instead; the reference is kept so
   * that the level set here is not lost when the logger is garbage-collected.
   */
  private static final java.util.logging.Logger MOCK_SERVER_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  private final KubernetesMockServer server;
  private final String url;
  private final KubernetesClient client;
  private boolean closed;

  private LocalKubernetes(KubernetesMockServer server, String url) {
    this.server = server;
    this.url = url;
    this.client = newClient(url);
  }

  /**
   * Starts the API server.
   *
   * @param preferredPort the port to use if it is free; 0 for any free port
   */
  public static LocalKubernetes start(int preferredPort) {
    long began = System.nanoTime();
    int port = Ports.preferredOrFree("Kubernetes API", preferredPort);
    KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher(List.of());
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new DiscoveryDispatcher(crud, () -> port),
            false);
    try {
      server.start(Ports.loopback(), port);
    } catch (RuntimeException e) {
      server.shutdown();
      throw new IllegalStateException("cannot start the Kubernetes API on port " + port, e);
    }
    LocalKubernetes kubernetes = new LocalKubernetes(server, "http://127.0.0.1:" + port);
    try {
      kubernetes.createInitialNamespaces();
    } catch (RuntimeException e) {
      kubernetes.close();
      throw e;
    }
    log.info(
        "Kubernetes API started on {} in {} ms",
        kubernetes.url,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
    return kubernetes;
  }

  /** The API server's URL, e.g. {@code http://127.0.0.1:6443}. */
  public String url() {
    return url;
  }

  /**
   * A client for this server, in namespace {@code default}. It is shared and closed by
   * {@link #close()}; do not close it yourself.
   */
  public KubernetesClient client() {
    return client;
  }

  /**
   * Writes a kubeconfig whose current context, {@value #CONTEXT}, points at this server over plain
   * HTTP without credentials, for {@code kubectl --kubeconfig <file>}.
   */
  public Path writeKubeconfig(Path file) {
    String kubeconfig =
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: " + CONTEXT,
            "  cluster:",
            "    server: " + url,
            "users:",
            "- name: " + CONTEXT,
            "  user: {}",
            "contexts:",
            "- name: " + CONTEXT,
            "  context:",
            "    cluster: " + CONTEXT,
            "    user: " + CONTEXT,
            "    namespace: default",
            "current-context: " + CONTEXT,
            "");
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(file, kubeconfig, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write kubeconfig " + file, e);
    }
    return file;
  }

  /** Closes the client and stops the server; every object is gone. A second call does nothing. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      client.close();
    } finally {
      server.shutdown();
    }
    log.info("Kubernetes API on {} stopped", url);
  }

  private void createInitialNamespaces() {
    for (String name : INITIAL_NAMESPACES) {
      client
          .namespaces()
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName(name)
                  .addToLabels("kubernetes.io/metadata.name", name)
                  .endMetadata()
                  .withNewStatus()
                  .withPhase("Active")
                  .endStatus()
                  .build())
          .create();
    }
  }

  private static KubernetesClient newClient(String url) {
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(url)
            .withNamespace("default")
            .withRequestTimeout(10_000)
            .withConnectionTimeout(5_000)
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }
}
