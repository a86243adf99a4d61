package dev.lifeboat.embedded;

import dev.lifeboat.embedded.apiserver.ApiCall;
import dev.lifeboat.embedded.apiserver.ApiServer;
import dev.lifeboat.embedded.apiserver.EtcdRegistryStore;
import dev.lifeboat.embedded.apiserver.ExecHandler;
import dev.lifeboat.embedded.apiserver.Faults;
import dev.lifeboat.embedded.apiserver.MemoryRegistryStore;
import dev.lifeboat.embedded.apiserver.RegistryStore;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kubernetes API on 127.0.0.1 over plain HTTP ({@link ApiServer}), for fabric8 clients and for
 * the real {@code kubectl} alike, keeping its objects in etcd under {@code /registry/} as a real API
 * server does ({@link #start(int, List)}), or in memory when no etcd is at hand ({@link
 * #start(int)}).
 *
 * <p>What it does: discovery, create, get, list (selectors, pages), update, patch (JSON, merge,
 * strategic merge), delete and watch (websocket and chunked HTTP, resuming from a resourceVersion)
 * of the built-in kinds and of custom resources of CustomResourceDefinitions created at run time;
 * real answers (409 AlreadyExists, 404 NotFound, 422 Invalid naming the field, 410 Expired); Secret
 * {@code stringData} folded into {@code data}; namespace deletion removing what the namespace holds;
 * protobuf request bodies, which {@code kubectl} sends for built-in kinds; pod exec over websockets
 * with a pluggable {@link ExecHandler} ({@link #onExec}), a host-path volume provisioner ({@link
 * #provisionVolumes}) and a kubelet for Lifeboat's data-mover pods only. What it does not: other
 * controllers (a Deployment makes no Pods), schema validation, admission webhooks, garbage
 * collection of owned objects, authentication. It starts with the namespaces a real cluster has
 * ({@code default}, {@code kube-system}, {@code kube-public}, {@code kube-node-lease}).
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

  private final ApiServer server;
  private final RegistryStore store;
  private final Faults faults;
  private final String url;
  private final KubernetesClient client;
  private KubernetesClient adminClient;
  private KubernetesClient controllerClient;
  private LocalVolumes volumes;
  private LocalKubelet kubelet;
  private KubernetesClient kubeletClient;
  private boolean closed;

  private LocalKubernetes(ApiServer server, RegistryStore store) {
    this.server = server;
    this.store = store;
    this.faults = server.faults();
    this.url = "http://127.0.0.1:" + server.port();
    this.client = newClient(url, Map.of());
  }

  /**
   * Starts the API server with its objects in memory: they are gone after {@link #close()}.
   *
   * @param preferredPort the port to use if it is free; 0 for any free port
   */
  public static LocalKubernetes start(int preferredPort) {
    return start(preferredPort, new MemoryRegistryStore());
  }

  /**
   * Starts the API server on the etcd at {@code etcdEndpoints}: it serves what etcd holds under
   * {@code /registry/} (a restored etcd serves the restored cluster) and keeps every change there.
   *
   * @param preferredPort the port to use if it is free; 0 for any free port
   */
  public static LocalKubernetes start(int preferredPort, List<String> etcdEndpoints) {
    return start(preferredPort, EtcdRegistryStore.connect(etcdEndpoints));
  }

  private static LocalKubernetes start(int preferredPort, RegistryStore store) {
    long began = System.nanoTime();
    int port = Ports.preferredOrFree("Kubernetes API", preferredPort);
    ApiServer server;
    try {
      server = ApiServer.start(Ports.loopback().getHostAddress(), port, store);
    } catch (RuntimeException e) {
      store.close();
      throw new IllegalStateException("cannot start the Kubernetes API on port " + port, e);
    }
    LocalKubernetes kubernetes = new LocalKubernetes(server, store);
    Lifecycle.orClose(kubernetes::close, kubernetes::createInitialNamespaces);
    log.info(
        "Kubernetes API started on {} in {} ms, objects in {}",
        kubernetes.url,
        Lifecycle.millisSince(began),
        store.describe());
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
      adminClient = newClient(url, Map.of("X-Lifeboat-Admin", "true"));
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
   * How often a watch that allows bookmarks ({@code allowWatchBookmarks=true}) gets a {@code
   * BOOKMARK} event: a minute by default, as a real API server sends them.
   */
  public void bookmarkEvery(java.time.Duration every) {
    server.bookmarkEvery(every);
  }

  /**
   * Starts recording every request for a resource, with the user that made it, as a real API
   * server's audit log does: what a worker's role must allow ({@link #calls()}).
   */
  public void recordCalls() {
    server.recordCalls();
  }

  /** The requests for resources since {@link #recordCalls()}. */
  public List<ApiCall> calls() {
    return server.calls();
  }

  /**
   * Writes a kubeconfig like {@link #writeKubeconfig(Path)} whose user presents {@code user} as its
   * bearer token: this server takes any token and records it as the user of the requests ({@link
   * #calls()}), so each worker of a test can have its own identity, as each has its service account
   * in a cluster.
   */
  public Path writeKubeconfig(Path file, String user) {
    writeKubeconfig(file);
    try {
      String text = Files.readString(file);
      Files.writeString(file, text.replace("  user: {}", "  user:\n    token: \"" + user.replace("\"", "") + "\""));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
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

  /** The storage class {@link #provisionVolumes} creates, the default one. */
  public static final String STORAGE_CLASS = LocalVolumes.STORAGE_CLASS;

  /**
   * Provisions volumes from now on, as a cluster with a default storage class does: creates the
   * StorageClass {@value #STORAGE_CLASS} (provisioner {@code local.lifeboat.dev/hostpath}, default,
   * binding mode {@code Immediate}), and binds every claim of that class, or of none, to a new
   * PersistentVolume whose {@code hostPath} is a new directory under {@code directory} ({@link
   * #volumeDirectory}). Claims of another class stay {@code Pending}. A second call does nothing.
   * Its requests are made as {@code system:kube-controller-manager}.
   */
  public synchronized LocalKubernetes provisionVolumes(Path directory) {
    if (volumes == null) {
      volumes = new LocalVolumes(controllerClient(), directory);
    }
    return this;
  }

  /** The host directory of the volume bound to a claim (see {@link #provisionVolumes}). */
  public Path volumeDirectory(String namespace, String claim) {
    LocalVolumes provisioner;
    synchronized (this) {
      provisioner = volumes;
    }
    if (provisioner == null) {
      throw new IllegalStateException("volumes are not provisioned here: call provisionVolumes first");
    }
    return provisioner.directory(namespace, claim);
  }

  /**
   * The host directory mounted at {@code mountPath} in {@code container} of {@code pod} (as an {@link
   * ExecHandler} receives it): the volume bound to the claim the mount names.
   *
   * @throws IllegalArgumentException nothing, or no claim, is mounted there
   */
  @SuppressWarnings("unchecked")
  public Path mountedDirectory(Map<String, Object> pod, String container, String mountPath) {
    Map<String, Object> metadata = (Map<String, Object>) pod.get("metadata");
    Map<String, Object> spec = (Map<String, Object>) pod.get("spec");
    String volumeName = null;
    for (Map<String, Object> c : (List<Map<String, Object>>) spec.getOrDefault("containers", List.of())) {
      if (container.equals(c.get("name"))) {
        for (Map<String, Object> mount : (List<Map<String, Object>>) c.getOrDefault("volumeMounts", List.of())) {
          if (mountPath.equals(mount.get("mountPath"))) {
            volumeName = (String) mount.get("name");
          }
        }
      }
    }
    for (Map<String, Object> volume : (List<Map<String, Object>>) spec.getOrDefault("volumes", List.of())) {
      if (volume.get("name").equals(volumeName) && volume.get("persistentVolumeClaim") instanceof Map<?, ?> claim) {
        return volumeDirectory((String) metadata.get("namespace"), (String) claim.get("claimName"));
      }
    }
    throw new IllegalArgumentException("container " + container + " of pod " + metadata.get("name")
        + " mounts no claim at " + mountPath);
  }

  /**
   * Runs the commands of pod execs with {@code handler} from now on, and runs Lifeboat's data-mover
   * pods (labelled {@code app.kubernetes.io/managed-by=lifeboat}, {@code
   * app.kubernetes.io/component=data-mover}): each is placed on node {@code lifeboat-local} and made
   * {@code Running}, its container ready, once every claim it mounts is bound. Other pods stay as
   * they are. Without a handler, an exec is refused as by a cluster whose kubelet cannot be reached
   * (500), and a pod that is not running as a real API server refuses it (400).
   */
  public synchronized LocalKubernetes onExec(ExecHandler handler) {
    server.onExec(handler);
    if (kubelet == null) {
      kubeletClient = newClient(url, Map.of("Authorization", "Bearer system:node:" + LocalKubelet.NODE));
      kubelet = new LocalKubelet(kubeletClient);
    }
    return this;
  }

  private synchronized KubernetesClient controllerClient() {
    if (controllerClient == null) {
      controllerClient = newClient(url, Map.of("Authorization", "Bearer system:kube-controller-manager"));
    }
    return controllerClient;
  }

  /** Where the objects are kept: {@code memory} or {@code etcd <endpoints>}. */
  public String storage() {
    return store.describe();
  }

  /**
   * Closes the clients and stops the server; objects kept in memory are gone, those in etcd stay.
   * A second call does nothing.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (kubelet != null) {
        kubelet.close();
        kubeletClient.close();
      }
      if (volumes != null) {
        volumes.close();
      }
      if (controllerClient != null) {
        controllerClient.close();
      }
      client.close();
    } finally {
      try {
        if (adminClient != null) {
          adminClient.close();
        }
      } finally {
        try {
          server.close();
        } finally {
          store.close();
        }
      }
    }
    log.info("Kubernetes API on {} stopped", url);
  }

  private void createInitialNamespaces() {
    for (String name : INITIAL_NAMESPACES) {
      try {
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
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e;
        }
      }
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
