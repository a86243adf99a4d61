package dev.lifeboat.watcher.volume;

import dev.lifeboat.schedule.VolumePolicies;
import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.schedule.VolumePolicy;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.registry.SchemaRegistry;
import dev.lifeboat.watcher.RecordSink;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches persistent volume claims, persistent volumes, pods and volume attachments, publishes
 * {@code VolumeEventObserved} on {@code lifeboat.volume-events} when a claim's life moves on
 * (claimed, bound, resized, mounted, unmounted, released, deleted), and {@code SnapshotRequested}
 * on {@code lifeboat.snapshot-requests} as the claim's volume policy says.
 *
 * <p>A kind the watcher may not list or watch (HTTP 403), or that the API server does not serve
 * (404), is reported once with the RBAC rule that would allow it, and skipped; the other kinds go
 * on. Failures while handling a change are logged and counted, never thrown into the informer.
 */
public final class VolumeWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VolumeWatcher.class);
  /** How long {@link #start()} waits for the first lists before it returns anyway. */
  static final Duration START_WAIT = Duration.ofSeconds(60);
  /** How long reading the published history may take before start-up gives up. */
  static final Duration HISTORY_TIMEOUT = Duration.ofMinutes(2);
  private static final long RESYNC_MILLIS = Duration.ofMinutes(10).toMillis();

  /** The kinds watched, what is lost without each, and what a ClusterRole needs to allow it. */
  private enum Kind {
    CLAIMS("PersistentVolumeClaim", "", "persistentvolumeclaims", "no volume events are published"),
    VOLUMES("PersistentVolume", "", "persistentvolumes",
        "RELEASED is not published and volumes' CSI drivers and node paths are unknown"),
    PODS("Pod", "", "pods", "MOUNTED and UNMOUNTED are not published and snapshot requests name no node"),
    ATTACHMENTS("VolumeAttachment", "storage.k8s.io", "volumeattachments",
        "CSI drivers are taken from volumes alone");

    final String kind;
    final String group;
    final String resource;
    final String without;

    Kind(String kind, String group, String resource, String without) {
      this.kind = kind;
      this.group = group;
      this.resource = resource;
      this.without = without;
    }

    String rule() {
      return "{apiGroups: [\"" + group + "\"], resources: [\"" + resource + "\"], verbs: [\"get\", \"list\", \"watch\"]}";
    }
  }

  private final KubernetesClient client;
  private final VolumeTracker tracker;
  private final VolumeMetrics metrics;
  private final VolumePolicies policies;
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  /** Settles every claim once all kinds are listed, then ticks the interval schedule. */
  private ScheduledExecutorService executor;
  private boolean started;
  private boolean closed;
  private Predicate<PersistentVolumeClaim> scope = claim -> true;

  /** A watcher that has published nothing before: it announces every claim it finds. */
  public VolumeWatcher(KubernetesClient client, RecordSink sink, EventFactory events, List<VolumePolicy> policies,
      MeterRegistry meters, Clock clock) {
    this(client, sink, events, policies, meters, clock, PublishedVolumeState.empty());
  }

  /** A watcher that continues from what was published before ({@link PublishedStateLoader}). */
  public VolumeWatcher(KubernetesClient client, RecordSink sink, EventFactory events, List<VolumePolicy> policies,
      MeterRegistry meters, Clock clock, PublishedVolumeState published) {
    this.client = client;
    this.metrics = new VolumeMetrics(meters);
    this.policies = new VolumePolicies(policies);
    this.tracker = new VolumeTracker(sink, new VolumeRecords(events), this.policies, metrics, clock, published);
  }

  /**
   * Reads what was published to {@code lifeboat.volume-events} for this cluster, then starts a
   * watcher that continues from there: unchanged claims publish nothing and request nothing.
   */
  public static VolumeWatcher start(KubernetesClient client, RecordSink sink, EventFactory events,
      List<VolumePolicy> policies, MeterRegistry meters, Clock clock, KafkaClients kafka, SchemaRegistry registry) {
    return start(client, sink, events, policies, meters, clock, kafka, registry, claim -> true);
  }

  /**
   * {@link #start(KubernetesClient, RecordSink, EventFactory, List, MeterRegistry, Clock, KafkaClients,
   * SchemaRegistry)} for the claims {@code scope} accepts only: the watcher's namespaces, not
   * Lifeboat's own scratch claims.
   */
  public static VolumeWatcher start(KubernetesClient client, RecordSink sink, EventFactory events,
      List<VolumePolicy> policies, MeterRegistry meters, Clock clock, KafkaClients kafka, SchemaRegistry registry,
      Predicate<PersistentVolumeClaim> scope) {
    PublishedVolumeState published = new PublishedStateLoader(kafka, registry).load(events.cluster(), HISTORY_TIMEOUT);
    VolumeWatcher watcher = new VolumeWatcher(client, sink, events, policies, meters, clock, published);
    watcher.scope = scope;
    try {
      watcher.start();
    } catch (RuntimeException e) {
      watcher.close();
      throw e;
    }
    return watcher;
  }

  /**
   * Starts the informers and waits (up to a minute) until every kind has been listed once or
   * reported unwatchable; events are published from then on.
   */
  public void start() {
    synchronized (this) {
      if (started || closed) {
        throw new IllegalStateException(closed ? "volume watcher is closed" : "volume watcher already started");
      }
      started = true;
      CompletableFuture<Boolean> claims = inform(Kind.CLAIMS, client.persistentVolumeClaims().inAnyNamespace(),
          claim -> {
            if (scope.test(claim)) {
              tracker.claimChanged(claim);
            }
          }, claim -> {
            if (scope.test(claim)) {
              tracker.claimDeleted(claim);
            }
          });
      CompletableFuture<Boolean> volumes = inform(Kind.VOLUMES, client.persistentVolumes(),
          tracker::volumeChanged, tracker::volumeDeleted);
      CompletableFuture<Boolean> pods = inform(Kind.PODS, client.pods().inAnyNamespace(),
          tracker::podChanged, tracker::podDeleted);
      CompletableFuture<Boolean> attachments = inform(Kind.ATTACHMENTS, client.storage().v1().volumeAttachments(),
          tracker::attachmentChanged, tracker::attachmentDeleted);
      executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lifeboat-volume-watcher");
        t.setDaemon(true);
        return t;
      });
      // Settling every claim publishes, and publishing may block: not on the HTTP client's threads.
      CompletableFuture.allOf(claims, volumes, pods, attachments).thenRunAsync(() -> {
        tracker.ready(pods.join(), volumes.join());
        ready.complete(null);
      }, executor).exceptionally(e -> {
        log.error("Volume watcher could not begin", e);
        metrics.error("start");
        ready.completeExceptionally(e);
        return null;
      });
      startScheduler();
    }
    try {
      ready.get(START_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      log.warn("Volume watcher: the first lists took longer than {}; events will follow when they complete", START_WAIT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      throw new IllegalStateException("volume watcher could not begin", e.getCause());
    }
  }

  /** Whether every kind has been listed once (or found unwatchable) and events are being derived. */
  public boolean isReady() {
    return ready.isDone() && !ready.isCompletedExceptionally();
  }

  private <T extends HasMetadata> CompletableFuture<Boolean> inform(Kind kind, Informable<T> source,
      Consumer<T> changed, Consumer<T> deleted) {
    SharedIndexInformer<T> informer = source.runnableInformer(RESYNC_MILLIS);
    informer.exceptionHandler((isStarted, t) -> isStarted || unwatchable(t) == 0);
    informer.addEventHandler(new ResourceEventHandler<T>() {
      @Override
      public void onAdd(T obj) {
        guarded(kind, obj, changed);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        guarded(kind, newObj, changed);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        guarded(kind, obj, deleted);
      }
    });
    informers.add(informer);
    return informer.start().toCompletableFuture().handle((ok, error) -> {
      if (error == null) {
        return true;
      }
      int status = unwatchable(error);
      if (status == 0) {
        throw new IllegalStateException("cannot list " + kind.resource, error);
      }
      if (status == 403) {
        log.warn("Not allowed to watch {} (HTTP 403): skipping them, so {}. To allow it, add this rule to the"
            + " watcher's ClusterRole: {}", kind.resource, kind.without, kind.rule());
      } else {
        log.warn("The API server does not serve {} (HTTP 404): skipping them, so {}", kind.resource, kind.without);
      }
      metrics.error(kind.kind);
      informer.stop();
      return false;
    });
  }

  private <T extends HasMetadata> void guarded(Kind kind, T obj, Consumer<T> action) {
    try {
      action.accept(obj);
    } catch (RuntimeException e) {
      String ns = obj == null || obj.getMetadata() == null ? null : obj.getMetadata().getNamespace();
      String name = obj == null || obj.getMetadata() == null ? null : obj.getMetadata().getName();
      log.warn("Could not handle a change of {} {}{}", kind.kind, ns == null ? "" : ns + "/", name, e);
      metrics.error(kind.kind);
    }
  }

  /** 403 or 404 when {@code t} (or a cause) says the kind cannot be watched; 0 otherwise (worth a retry). */
  static int unwatchable(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof KubernetesClientException k && (k.getCode() == 403 || k.getCode() == 404)) {
        return k.getCode();
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return 0;
  }

  private void startScheduler() {
    Duration shortest = policies.shortestInterval();
    if (shortest == null) {
      return;
    }
    long tick = Math.max(50, Math.min(1000, shortest.toMillis() / 10));
    executor.scheduleWithFixedDelay(() -> {
      try {
        if (isReady()) {
          tracker.publishDue();
        }
      } catch (RuntimeException e) {
        log.warn("Could not publish scheduled volume snapshot requests", e);
        metrics.error("schedule");
      }
    }, tick, tick, TimeUnit.MILLISECONDS);
  }

  /** Stops the informers and the schedule. Records already handed to the sink are the sink's to deliver. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    if (executor != null) {
      executor.shutdownNow();
      try {
        executor.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (SharedIndexInformer<?> informer : informers) {
      try {
        informer.stop();
      } catch (RuntimeException e) {
        log.debug("Stopping an informer failed", e);
      }
    }
    ready.cancel(false);
  }
}
