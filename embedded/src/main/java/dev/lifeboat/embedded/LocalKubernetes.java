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
import java.util.Map;
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
 *
 * <p>For tests of clients that must not miss a change, it can break watches as a real API server
 * does: {@link #expireWatches()} ends them with 410 Expired, and {@link #beginOutage()} /
 * {@link #endOutage()} take the API down for every client but {@link #adminClient()}; watches that
 * resume from before the outage's last change are then expired, which makes informers relist.
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
  private final FaultInjectingDispatcher faults;
  private final String url;
  private final KubernetesClient client;
  private KubernetesClient adminClient;
  private boolean closed;

  private LocalKubernetes(
      KubernetesMockServer server, FaultInjectingDispatcher faults, String url) {
    this.server = server;
    this.faults = faults;
    this.url = url;
    this.client = newClient(url, Map.of());
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
    FaultInjectingDispatcher faults =
        new FaultInjectingDispatcher(new DiscoveryDispatcher(crud, () -> port), crud);
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), faults, false);
    try {
      server.start(Ports.loopback(), port);
    } catch (RuntimeException e) {
      server.shutdown();
      throw new IllegalStateException("cannot start the Kubernetes API on port " + port, e);
    }
    LocalKubernetes kubernetes = new LocalKubernetes(server, faults, "http://127.0.0.1:" + port);
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
   * A client for this server that is served during an outage (it sends {@code
   * X-Lifeboat-Admin: true}), for tests to change objects while other clients are locked out. It
   * is created on first use, shared, and closed by {@link #close()}; do not close it yourself.
   */
  public synchronized KubernetesClient adminClient() {
    if (closed) {
      throw new IllegalStateException("the Kubernetes API on " + url + " is closed");
    }
    if (adminClient == null) {
      adminClient = newClient(url, Map.of(FaultInjectingDispatcher.ADMIN_HEADER, "true"));
    }
    return adminClient;
  }

  /**
   * Ends every open watch as a real API server does when its watch cache no longer holds the
   * watched resourceVersion: an {@code ERROR} event whose object is a {@code Status} with code 410
   * and reason {@code Expired}, then close. A watch that later resumes from a resourceVersion older
   * than the newest one now is expired the same way, so clients must list again.
   */
  public void expireWatches() {
    faults.expireWatches();
  }

  /**
   * Takes the API down, as for a control-plane restart: open watches are closed without an event,
   * and every request is answered 503 with a {@code Status} (reason {@code ServiceUnavailable}),
   * except those of {@link #adminClient()}. Clients keep failing and retrying until {@link
   * #endOutage()}.
   */
  public void beginOutage() {
    faults.beginOutage();
    log.info("Kubernetes API on {}: outage begins", url);
  }

  /**
   * Serves every client again. A watch that resumes from a resourceVersion older than the newest
   * one at this moment is expired (410 {@code Expired}, see {@link #expireWatches()}), so a client
   * that was locked out lists again and sees what changed meanwhile.
   */
  public void endOutage() {
    faults.endOutage();
    log.info("Kubernetes API on {}: outage ends", url);
  }

  /**
   * Refuses every client but {@link #adminClient()} access to one resource with 403 Forbidden, as
   * a real API server does when RBAC grants nothing on it. {@code resource} is named as kubectl
   * names it: {@code secrets}, {@code deployments.apps}.
   */
  public void forbid(String resource) {
    faults.forbid(resource);
  }

  /**
   * How many watches are open right now. A client's {@code watch()} returns before the server has
   * accepted the connection, so tests that act on open watches wait for this to rise first.
   */
  public int openWatches() {
    return faults.openWatchCount();
  }

  /** Lifts {@link #forbid}. */
  public void allow(String resource) {
    faults.allow(resource);
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

  /** Closes the clients and stops the server; every object is gone. A second call does nothing. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      client.close();
    } finally {
      try {
        if (adminClient != null) {
          adminClient.close();
        }
      } finally {
        server.shutdown();
      }
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

  private static KubernetesClient newClient(String url, Map<String, String> headers) {
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(url)
            .withNamespace("default")
            .withRequestTimeout(10_000)
            .withConnectionTimeout(5_000)
            .withCustomHeaders(headers)
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }
}
