package dev.lifeboat.watcher;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One kind's list and watch, as an informer does it but without its cache: a paginated list
 * ({@value #PAGE} objects a page), then a watch from the list's resourceVersion with bookmarks; a
 * watch that breaks resumes from the last resourceVersion it saw (fabric8 reconnects), one that
 * cannot resume (410 Gone) lists again. Objects are handed to {@link Events} one at a time and
 * dropped; {@link SeenObjects} keeps their names and resourceVersions.
 */
final class KindWatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KindWatch.class);
  static final int PAGE = 500;
  private static final long RETRY_MILLIS = 1000;

  /** What the watch sees, in order; on the list thread during a list, on the watch's thread after. */
  interface Events {
    /** A list begins ({@code relist}: not the first one). */
    void listing(WatchedKind kind, boolean relist);

    /**
     * An object exists in this state: listed ({@code listed}, on the list's own thread, which may
     * wait for the sink), or added or modified (on the watch's thread, which must not wait).
     */
    void upsert(WatchedKind kind, GenericKubernetesResource object, boolean listed);

    /** The watch reported the object deleted, in its final state. */
    void delete(WatchedKind kind, GenericKubernetesResource object);

    /** A list ended: every object it did not see is gone. */
    void listed(WatchedKind kind);

    /** A list or watch failed with {@code error}; false stops this watch for good (a 403, a 404). */
    boolean failed(WatchedKind kind, Throwable error);
  }

  private final WatchedKind kind;
  private final KubernetesClient client;
  private final String labelSelector;
  private final Events events;
  private final ExecutorService lists;
  private final ScheduledExecutorService retries;
  private final SeenObjects seen = new SeenObjects();
  private final CompletableFuture<Void> firstList = new CompletableFuture<>();
  private volatile Watch watch;
  private volatile boolean closed;
  private int listCount;

  KindWatch(WatchedKind kind, KubernetesClient client, String labelSelector, Events events, ExecutorService lists,
      ScheduledExecutorService retries) {
    this.kind = kind;
    this.client = client;
    this.labelSelector = labelSelector;
    this.events = events;
    this.lists = lists;
    this.retries = retries;
  }

  WatchedKind kind() {
    return kind;
  }

  SeenObjects seen() {
    return seen;
  }

  /** Completes when the first list has been handed over (exceptionally if it failed for good). */
  CompletableFuture<Void> firstList() {
    return firstList;
  }

  boolean hasSynced() {
    return firstList.isDone() && !firstList.isCompletedExceptionally();
  }

  void start() {
    lists.execute(this::listAndWatch);
  }

  private FilterWatchListDeletable<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> resources() {
    var all = client.genericKubernetesResources(kind.context());
    var scoped = kind.namespaced() ? all.inAnyNamespace() : all;
    return labelSelector == null ? scoped : scoped.withLabelSelector(labelSelector);
  }

  private void listAndWatch() {
    if (closed) {
      return;
    }
    try {
      String resourceVersion = list();
      if (!closed) {
        watchFrom(resourceVersion);
      }
    } catch (RuntimeException e) {
      retryLater(e);
    }
  }

  /**
   * Lists every object page by page, handing each over as it comes. Returns the resourceVersion of
   * the first page: a real API server serves every page at that revision; one that serves each page
   * at its own (a later) revision is covered too, since the watch then replays what changed during
   * the list, and states seen again publish nothing.
   */
  private String list() {
    events.listing(kind, listCount++ > 0);
    seen.beginList();
    String first = null;
    String next = null;
    int count = 0;
    do {
      ListOptions options = new ListOptionsBuilder().withLimit((long) PAGE).withContinue(next)
          .withLabelSelector(labelSelector).build();
      GenericKubernetesResourceList page = resources().list(options);
      if (first == null) {
        first = page.getMetadata().getResourceVersion();
      }
      next = page.getMetadata().getContinue();
      for (GenericKubernetesResource object : page.getItems()) {
        if (closed) {
          return first;
        }
        events.upsert(kind, object, true);
        count++;
      }
    } while (next != null && !next.isEmpty());
    events.listed(kind);
    firstList.complete(null);
    log.debug("Listed {}: {} objects at resourceVersion {}", kind, count, first);
    return first;
  }

  private void watchFrom(String resourceVersion) {
    ListOptions options = new ListOptionsBuilder().withResourceVersion(resourceVersion).withAllowWatchBookmarks(true)
        .withLabelSelector(labelSelector).build();
    Watch started = resources().watch(options, new Watcher<>() {
      @Override
      public void eventReceived(Action action, GenericKubernetesResource object) {
        switch (action) {
          case ADDED, MODIFIED -> events.upsert(kind, object, false);
          case DELETED -> events.delete(kind, object);
          default -> { } // BOOKMARK: fabric8 resumes from its resourceVersion; ERROR arrives as onClose
        }
      }

      @Override
      public void onClose(WatcherException cause) {
        if (closed) {
          return;
        }
        if (cause.isHttpGone()) {
          log.debug("Watch of {} expired (410 Gone): listing again", kind);
          lists.execute(KindWatch.this::listAndWatch);
        } else {
          retryLater(cause);
        }
      }

      @Override
      public void onClose() {
        // closed by us
      }
    });
    watch = started;
    if (closed) {
      started.close();
    }
  }

  private void retryLater(Throwable error) {
    if (closed) {
      return;
    }
    if (!events.failed(kind, error)) {
      firstList.completeExceptionally(error);
      close();
      return;
    }
    log.debug("List or watch of {} failed, listing again in {} ms: {}", kind, RETRY_MILLIS, error.toString());
    try {
      retries.schedule(() -> lists.execute(this::listAndWatch), RETRY_MILLIS, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // shutting down
    }
  }

  @Override
  public void close() {
    closed = true;
    Watch w = watch;
    if (w != null) {
      w.close();
    }
  }
}
