package dev.lifeboat.watcher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.watcher.WatcherConfig;
import dev.lifeboat.kube.ObjectIdentity;
import dev.lifeboat.observe.Health;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one informer per watched kind, over everything discovery finds (custom resources
 * included), and hands what they see to the {@link ResourceChangePublisher}. Discovery runs again
 * periodically and shortly after a CustomResourceDefinition appears or goes; informers start for new
 * kinds and stop for vanished ones. A kind the watcher may not list is reported once, with the RBAC
 * rule that would fix it, and skipped; it is tried again every ten minutes in case the rule was added. After an informer's first list, objects published before
 * that no longer exist are published as DELETED; later relists (after a 410 Gone or a disconnect) are
 * reconciled by the informer itself, and unchanged objects publish nothing.
 */
public final class ResourceWatcher implements AutoCloseable, Republisher.Cache {
  private static final Logger log = LoggerFactory.getLogger(ResourceWatcher.class);
  private static final String CRD_GROUP = "apiextensions.k8s.io";

  private final KubernetesClient client;
  private final WatcherConfig config;
  private final ResourceChangePublisher publisher;
  private final WatcherMetrics metrics;
  private final Health health;
  private final AuditPublisher audit;
  private final Clock clock;
  private final ApiDiscovery discovery;
  private final KindFilter filter;
  private final PublishFailures failures;
  private final Map<String, Running> running = new ConcurrentHashMap<>();
  private final KindPermissions permissions;
  private final WatchScope scope;
  private final Set<String> definitionsDeleted = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "lifeboat-watcher-discovery");
    t.setDaemon(true);
    return t;
  });
  private volatile boolean closed;

  private record Running(WatchedKind kind, SharedIndexInformer<GenericKubernetesResource> informer) {}

  ResourceWatcher(KubernetesClient client, WatcherConfig config, ResourceChangePublisher publisher, WatcherMetrics metrics,
      Health health, AuditPublisher audit, Clock clock, PublishFailures failures) {
    this.failures = failures;
    this.client = client;
    this.config = config;
    this.publisher = publisher;
    this.metrics = metrics;
    this.health = health;
    this.audit = audit;
    this.clock = clock;
    this.discovery = new ApiDiscovery(client);
    this.filter = new KindFilter(config);
    this.permissions = new KindPermissions(metrics, health, audit, clock);
    this.scope = new WatchScope(filter, name -> {
      Running namespaces = running.get("Namespace");
      return namespaces == null ? null : namespaces.informer.getStore().getByKey(name);
    });
    metrics.watching(this::objectCount, running::size);
  }

  /** Discovers and starts informers; periodic rediscovery follows. */
  public void start() {
    rediscover();
    long every = config.rediscoverEvery().toMillis();
    scheduler.scheduleWithFixedDelay(this::rediscoverSafely, every, every, TimeUnit.MILLISECONDS);
  }

  /** Whether every informer has completed its first list. */
  public boolean synced() {
    return !running.isEmpty() && running.values().stream().allMatch(r -> r.informer.hasSynced());
  }

  public Set<WatchedKind> kinds() {
    Set<WatchedKind> kinds = new HashSet<>();
    running.values().forEach(r -> kinds.add(r.kind));
    return kinds;
  }

  private void rediscoverSafely() {
    try {
      rediscover();
    } catch (RuntimeException e) {
      log.warn("API discovery failed, the watched kinds stay as they are until the next attempt: {}", e.toString());
      health.set("watcher", Health.State.DEGRADED, "API discovery failed: " + e.getMessage());
    }
  }

  synchronized void rediscover() {
    if (closed) {
      return;
    }
    Map<String, WatchedKind> found = discovery.discover();
    permissions.expire();
    found.values().removeIf(k -> !filter.watches(k) || permissions.isRefused(k));
    for (WatchedKind kind : found.values()) {
      Running current = running.get(kind.groupKind());
      if (current != null && !current.kind.version().equals(kind.version())) {
        stop(current, "its preferred version is now " + kind.version());
        current = null;
      }
      if (current == null) {
        startInformer(kind);
      }
    }
    for (Running r : running.values()) {
      if (!found.containsKey(r.kind.groupKind()) && !permissions.isRefused(r.kind)) {
        stop(r, "it is no longer served");
        if (definitionsDeleted.remove(r.kind.groupKind())) {
          publisher.reconcile(r.kind, Set.of(), clock.instant()); // its definition was deleted: so were its objects
        }
      }
    }
    health.set("watcher", Health.State.UP, running.size() + " kinds watched");
  }

  private void startInformer(WatchedKind kind) {
    var resources = client.genericKubernetesResources(kind.context());
    var scoped = kind.namespaced() ? resources.inAnyNamespace() : resources;
    SharedIndexInformer<GenericKubernetesResource> informer = config.labelSelector() == null
        ? scoped.runnableInformer(0)
        : scoped.withLabelSelector(config.labelSelector()).runnableInformer(0);
    informer.addEventHandler(new Handler(kind));
    informer.exceptionHandler((started, error) -> {
      int code = KindPermissions.statusCode(error);
      if (KindPermissions.isDenial(code)) {
        permissions.refuse(kind, code);
        Running r = running.remove(kind.groupKind());
        if (r != null) {
          scheduler.execute(r.informer::stop);
        }
        return false;
      }
      if (code == 404) {
        log.info("{} vanished while being watched; discovery will run again", kind);
        scheduler.schedule(this::rediscoverSafely, 1, TimeUnit.SECONDS);
        return false;
      }
      log.debug("Watch of {} failed, the informer retries: {}", kind, error.toString());
      return true;
    });
    running.put(kind.groupKind(), new Running(kind, informer));
    informer.start().whenComplete((ok, error) -> {
      if (error == null) {
        publisher.reconcile(kind, liveKeys(kind, informer), clock.instant());
        log.debug("Watching {}: {} objects", kind, informer.getStore().listKeys().size());
      } else if (!permissions.isRefused(kind)) {
        log.warn("Cannot watch {}: {}", kind, error.toString());
      }
    });
  }

  private Set<String> liveKeys(WatchedKind kind, SharedIndexInformer<GenericKubernetesResource> informer) {
    Set<String> keys = new HashSet<>();
    for (GenericKubernetesResource resource : informer.getStore().list()) {
      JsonNode node = client.getKubernetesSerialization().convertValue(resource, JsonNode.class);
      if (watched(kind, node)) {
        keys.add(publisher.identity(kind, node).key());
      }
    }
    return keys;
  }

  @Override
  public Republisher.Lookup current(WatchedKind kind, ObjectIdentity id) {
    Running r = running.get(kind.groupKind());
    if (r == null || !r.kind.equals(kind)) {
      return null;
    }
    String storeKey = kind.namespaced() ? id.namespace() + "/" + id.name() : id.name();
    GenericKubernetesResource resource = r.informer.getStore().getByKey(storeKey);
    if (resource == null) {
      return Republisher.Lookup.GONE;
    }
    JsonNode node = client.getKubernetesSerialization().convertValue(resource, JsonNode.class);
    return watched(kind, node) ? new Republisher.Lookup(true, node) : Republisher.Lookup.GONE;
  }

  private void stop(Running r, String why) {
    running.remove(r.kind.groupKind());
    r.informer.stop();
    log.info("Stopped watching {}: {}", r.kind, why);
  }

  private boolean watched(WatchedKind kind, JsonNode object) {
    return scope.watched(kind, object);
  }

  private int objectCount() {
    int count = 0;
    for (Running r : running.values()) {
      count += r.informer.getStore().listKeys().size();
    }
    return count;
  }

  @Override
  public synchronized void close() {
    closed = true;
    scheduler.shutdownNow();
    running.values().forEach(r -> r.informer.stop());
    running.clear();
  }

  /** Receives one kind's informer events; never lets an error escape into the informer. */
  private final class Handler implements ResourceEventHandler<GenericKubernetesResource> {
    private final WatchedKind kind;
    private final AtomicInteger lists = new AtomicInteger();

    Handler(WatchedKind kind) {
      this.kind = kind;
    }

    @Override
    public void onBeforeList(String resourceVersion) {
      if (lists.incrementAndGet() > 1) {
        metrics.relist(kind);
        log.info("Relisting {} (watch expired or was interrupted)", kind);
      }
    }

    @Override
    public void onAdd(GenericKubernetesResource resource) {
      upsert(resource);
    }

    @Override
    public void onUpdate(GenericKubernetesResource old, GenericKubernetesResource resource) {
      upsert(resource);
    }

    @Override
    public void onDelete(GenericKubernetesResource resource, boolean finalStateUnknown) {
      try {
        JsonNode node = client.getKubernetesSerialization().convertValue(resource, JsonNode.class);
        if (watched(kind, node)) {
          publisher.delete(kind, node, clock.instant());
        }
        if (isDefinition()) {
          definitionDeleted(node);
        }
      } catch (RuntimeException e) {
        failed(resource, e);
      }
    }

    private void upsert(GenericKubernetesResource resource) {
      try {
        JsonNode node = client.getKubernetesSerialization().convertValue(resource, JsonNode.class);
        if (watched(kind, node)) {
          publisher.upsert(kind, node, clock.instant());
        }
        if (isDefinition()) {
          scheduler.schedule(ResourceWatcher.this::rediscoverSafely, 1, TimeUnit.SECONDS);
        }
      } catch (RuntimeException e) {
        failed(resource, e);
      }
    }

    private boolean isDefinition() {
      return kind.group().equals(CRD_GROUP) && kind.kind().equals("CustomResourceDefinition");
    }

    private void definitionDeleted(JsonNode crd) {
      JsonNode spec = crd.path("spec");
      String groupKind = spec.path("names").path("kind").asText() + "." + spec.path("group").asText();
      definitionsDeleted.add(groupKind);
      scheduler.schedule(ResourceWatcher.this::rediscoverSafely, 1, TimeUnit.SECONDS);
    }

    private void failed(GenericKubernetesResource resource, RuntimeException e) {
      var metadata = resource.getMetadata();
      ObjectIdentity id = new ObjectIdentity(publisher.cluster(), metadata == null || !kind.namespaced() || metadata.getNamespace() == null
          ? "" : metadata.getNamespace(), kind.group(), kind.kind(), metadata == null || metadata.getName() == null ? "?" : metadata.getName());
      failures.unprocessable(kind, id, "process", e);
    }
  }
}
