package dev.lifeboat.watcher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.kube.LifeboatLabels;
import dev.lifeboat.kube.ObjectIdentity;
import dev.lifeboat.observe.Health;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one list and watch per watched kind ({@link KindWatch}), over everything discovery finds
 * (custom resources included), and hands what they see to the {@link ResourceChangePublisher}. It
 * keeps no object: per object only its name and resourceVersion ({@link SeenObjects}), so its heap
 * grows with the number of objects by a few dozen bytes each, not by their size. Discovery runs again
 * periodically and shortly after a CustomResourceDefinition appears or goes; watches start for new
 * kinds and stop for vanished ones. A kind the watcher may not list is reported once, with the RBAC
 * rule that would fix it, and skipped; it is tried again every ten minutes in case the rule was added.
 * After every list (the first, and each relist after a 410 Gone), objects published before that the
 * list did not see are published as DELETED; unchanged objects publish nothing.
 */
public final class ResourceWatcher implements AutoCloseable, Republisher.Cache {
  private static final Logger log = LoggerFactory.getLogger(ResourceWatcher.class);
  private static final String CRD_GROUP = "apiextensions.k8s.io";
  /** How long a list waits for room in the sink before it leaves an object to the backlog. */
  private static final Duration LIST_WAITS_FOR_ROOM = Duration.ofSeconds(1);

  private final KubernetesClient client;
  private final WatcherConfig config;
  private final ResourceChangePublisher publisher;
  private final RecordSink sink;
  private final WatcherMetrics metrics;
  private final Health health;
  private final Clock clock;
  private final ApiDiscovery discovery;
  private final KindFilter filter;
  private final PublishFailures failures;
  private final Map<String, KindWatch> running = new ConcurrentHashMap<>();
  private final KindPermissions permissions;
  private final WatchScope scope;
  /** Namespaces by name: whether each is one of Lifeboat's scratch namespaces (the scope needs no more). */
  private final Map<String, Boolean> scratchNamespaces = new ConcurrentHashMap<>();
  private final Set<String> definitionsDeleted = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "lifeboat-watcher-discovery");
    t.setDaemon(true);
    return t;
  });
  private final ExecutorService lists = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "lifeboat-watcher-list");
    t.setDaemon(true);
    return t;
  });
  private final Events events = new Events();
  private volatile boolean closed;

  ResourceWatcher(KubernetesClient client, WatcherConfig config, ResourceChangePublisher publisher, RecordSink sink,
      WatcherMetrics metrics, Health health, AuditPublisher audit, Clock clock, PublishFailures failures) {
    this.sink = sink;
    this.failures = failures;
    this.client = client;
    this.config = config;
    this.publisher = publisher;
    this.metrics = metrics;
    this.health = health;
    this.clock = clock;
    this.discovery = new ApiDiscovery(client);
    this.filter = new KindFilter(config);
    this.permissions = new KindPermissions(metrics, health, audit, clock);
    this.scope = new WatchScope(filter, name -> Boolean.TRUE.equals(scratchNamespaces.get(name)));
    metrics.watching(this::objectCount, running::size);
  }

  /** Discovers and starts the watches; periodic rediscovery follows. */
  public void start() {
    rediscover();
    long every = config.rediscoverEvery().toMillis();
    scheduler.scheduleWithFixedDelay(this::rediscoverSafely, every, every, TimeUnit.MILLISECONDS);
  }

  /** Whether every watched kind has completed its first list. */
  public boolean synced() {
    return !running.isEmpty() && running.values().stream().allMatch(KindWatch::hasSynced);
  }

  public Set<WatchedKind> kinds() {
    Set<WatchedKind> kinds = new HashSet<>();
    running.values().forEach(r -> kinds.add(r.kind()));
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
      KindWatch current = running.get(kind.groupKind());
      if (current != null && !current.kind().version().equals(kind.version())) {
        stop(current, "its preferred version is now " + kind.version());
        current = null;
      }
      if (current == null) {
        startWatch(kind);
      }
    }
    for (KindWatch r : running.values()) {
      if (!found.containsKey(r.kind().groupKind()) && !permissions.isRefused(r.kind())) {
        stop(r, "it is no longer served");
        if (definitionsDeleted.remove(r.kind().groupKind())) {
          publisher.reconcile(r.kind(), Set.of(), clock.instant()); // its definition was deleted: so were its objects
        }
      }
    }
    health.set("watcher", Health.State.UP, running.size() + " kinds watched");
  }

  private void startWatch(KindWatch.Events handler, WatchedKind kind) {
    KindWatch watch = new KindWatch(kind, client, config.labelSelector(), handler, lists, scheduler);
    running.put(kind.groupKind(), watch);
    watch.firstList().whenComplete((ok, error) -> {
      if (error == null) {
        log.debug("Watching {}: {} objects", kind, watch.seen().size());
      } else if (!permissions.isRefused(kind)) {
        log.warn("Cannot watch {}: {}", kind, error.toString());
      }
    });
    watch.start();
  }

  private void startWatch(WatchedKind kind) {
    startWatch(events, kind);
  }

  /**
   * The object as the API holds it now, read with a GET (the watcher keeps no copy): GONE on 404.
   * The lookup's confirmation, made under the object's lock just before it is published, checks that
   * the watch has not seen a newer state of it meanwhile (then it is read again).
   */
  @Override
  public Republisher.Lookup current(WatchedKind kind, ObjectIdentity id) {
    KindWatch r = running.get(kind.groupKind());
    if (r == null || !r.kind().equals(kind)) {
      return null;
    }
    String storeKey = storeKey(kind, id.namespace(), id.name());
    SeenObjects seen = r.seen();
    SeenObjects.Seen before = seen.get(storeKey);
    var resources = client.genericKubernetesResources(kind.context());
    GenericKubernetesResource resource = (kind.namespaced() ? resources.inNamespace(id.namespace()) : resources)
        .withName(id.name()).get();
    JsonNode node = resource == null ? null : client.getKubernetesSerialization().convertValue(resource, JsonNode.class);
    if (node == null || !watched(kind, node)) {
      boolean deleted = resource == null;
      return new Republisher.Lookup(false, null, () -> {
        if (seen.get(storeKey) != before) {
          return false; // the watch saw something of it while we read: read again
        }
        if (deleted && before != null) {
          // the watch may still deliver the old life's events: they must not bring it back
          PublishedState.Entry published = publisher.published(id.key());
          seen.gone(storeKey, published == null ? "" : published.uid());
        } else {
          seen.deleted(storeKey);
        }
        return true;
      });
    }
    long version = SeenObjects.version(node.path("metadata").path("resourceVersion").asText(""));
    String uid = node.path("metadata").path("uid").asText("");
    return new Republisher.Lookup(true, node, () -> {
      if (seen.isStale(storeKey, version, uid)) {
        return false; // the watch saw a newer state while we read: read again
      }
      seen.saw(storeKey, version);
      return true;
    });
  }

  private static String storeKey(WatchedKind kind, String namespace, String name) {
    return kind.namespaced() ? namespace + "/" + name : name;
  }

  private void stop(KindWatch r, String why) {
    running.remove(r.kind().groupKind());
    r.close();
    log.info("Stopped watching {}: {}", r.kind(), why);
  }

  private boolean watched(WatchedKind kind, JsonNode object) {
    return scope.watched(kind, object);
  }

  private int objectCount() {
    int count = 0;
    for (KindWatch r : running.values()) {
      count += r.seen().size();
    }
    return count;
  }

  @Override
  public synchronized void close() {
    closed = true;
    scheduler.shutdownNow();
    lists.shutdownNow();
    running.values().forEach(KindWatch::close);
    running.clear();
  }

  /**
   * Receives every kind's lists and watch events; never lets an error escape into them. Each object's
   * state is checked against what was seen of it and handed to the publisher under the object's lock,
   * so that a state older than one the republisher already read from the API is not published after it.
   */
  private final class Events implements KindWatch.Events {

    @Override
    public void listing(WatchedKind kind, boolean relist) {
      if (relist) {
        metrics.relist(kind);
        log.info("Relisting {} (watch expired or could not resume)", kind);
      }
    }

    @Override
    public void upsert(WatchedKind kind, GenericKubernetesResource resource, boolean listed) {
      try {
        if (listed) {
          // A list is paced by Kafka: each object waits (a while) for room rather than going to the
          // backlog, from which it would be read again from the API, one request per object.
          awaitRoom();
        }
        JsonNode node = client.getKubernetesSerialization().convertValue(resource, JsonNode.class);
        if (isNamespace(kind)) {
          noteNamespace(node);
        }
        SeenObjects seen = seen(kind);
        JsonNode metadata = node.path("metadata");
        String key = storeKey(kind, metadata.path("namespace").asText(""), metadata.path("name").asText());
        if (seen != null) {
          ObjectIdentity id = publisher.identity(kind, node);
          long version = SeenObjects.version(metadata.path("resourceVersion").asText(""));
          String uid = metadata.path("uid").asText("");
          boolean watched = watched(kind, node);
          publisher.locked(id.key(), () -> {
            if (seen.isStale(key, version, uid)) {
              return; // the republisher already read a newer state from the API
            }
            if (watched) {
              seen.saw(key, version);
              publisher.upsert(kind, node, clock.instant());
            } else {
              seen.deleted(key);
            }
          });
        }
        if (isDefinition(kind)) {
          scheduler.schedule(ResourceWatcher.this::rediscoverSafely, 1, TimeUnit.SECONDS);
        }
      } catch (RuntimeException e) {
        failed(kind, resource, e);
      }
    }

    private void awaitRoom() {
      try {
        sink.awaitRoom(LIST_WAITS_FOR_ROOM);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void delete(WatchedKind kind, GenericKubernetesResource resource) {
      try {
        JsonNode node = client.getKubernetesSerialization().convertValue(resource, JsonNode.class);
        JsonNode metadata = node.path("metadata");
        if (isNamespace(kind)) {
          scratchNamespaces.remove(metadata.path("name").asText());
        }
        SeenObjects seen = seen(kind);
        if (seen != null) {
          String key = storeKey(kind, metadata.path("namespace").asText(""), metadata.path("name").asText());
          boolean watched = watched(kind, node);
          publisher.locked(publisher.identity(kind, node).key(), () -> {
            seen.deleted(key);
            if (watched) {
              publisher.delete(kind, node, clock.instant());
            }
          });
        }
        if (isDefinition(kind)) {
          definitionDeleted(node);
        }
      } catch (RuntimeException e) {
        failed(kind, resource, e);
      }
    }

    @Override
    public void listed(WatchedKind kind) {
      SeenObjects seen = seen(kind);
      if (seen == null) {
        return;
      }
      seen.endList();
      if (isNamespace(kind)) {
        scratchNamespaces.keySet().removeIf(name -> !seen.contains(name));
      }
      publisher.reconcile(kind, key -> {
        ObjectIdentity id = ObjectIdentity.parse(key);
        return seen.contains(storeKey(kind, id.namespace(), id.name()));
      }, clock.instant());
    }

    @Override
    public boolean failed(WatchedKind kind, Throwable error) {
      int code = KindPermissions.statusCode(error);
      if (KindPermissions.isDenial(code)) {
        permissions.refuse(kind, code);
        running.remove(kind.groupKind());
        return false;
      }
      if (code == 404) {
        log.info("{} vanished while being watched; discovery will run again", kind);
        running.remove(kind.groupKind());
        scheduler.schedule(ResourceWatcher.this::rediscoverSafely, 1, TimeUnit.SECONDS);
        return false;
      }
      return true;
    }

    private SeenObjects seen(WatchedKind kind) {
      KindWatch r = running.get(kind.groupKind());
      return r == null || !r.kind().equals(kind) ? null : r.seen();
    }

    private boolean isNamespace(WatchedKind kind) {
      return kind.group().isEmpty() && kind.kind().equals("Namespace");
    }

    private void noteNamespace(JsonNode namespace) {
      scratchNamespaces.put(namespace.path("metadata").path("name").asText(),
          namespace.path("metadata").path("labels").has(LifeboatLabels.SCRATCH));
    }

    private boolean isDefinition(WatchedKind kind) {
      return kind.group().equals(CRD_GROUP) && kind.kind().equals("CustomResourceDefinition");
    }

    private void definitionDeleted(JsonNode crd) {
      JsonNode spec = crd.path("spec");
      String groupKind = spec.path("names").path("kind").asText() + "." + spec.path("group").asText();
      definitionsDeleted.add(groupKind);
      scheduler.schedule(ResourceWatcher.this::rediscoverSafely, 1, TimeUnit.SECONDS);
    }

    private void failed(WatchedKind kind, GenericKubernetesResource resource, RuntimeException e) {
      var metadata = resource.getMetadata();
      ObjectIdentity id = new ObjectIdentity(publisher.cluster(), metadata == null || !kind.namespaced() || metadata.getNamespace() == null
          ? "" : metadata.getNamespace(), kind.group(), kind.kind(), metadata == null || metadata.getName() == null ? "?" : metadata.getName());
      failures.unprocessable(kind, id, "process", e);
    }
  }
}
