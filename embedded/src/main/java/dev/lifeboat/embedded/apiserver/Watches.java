package dev.lifeboat.embedded.apiserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Starts and tracks API watches. A watch without a resourceVersion (or with {@code 0}) first gets
 * {@code ADDED} for every matching object, then every change; one with a resourceVersion gets the
 * changes after it, or a {@code 410 Expired} error event if the cache no longer reaches back that
 * far (or an injected fault says so). {@code timeoutSeconds} ends a watch as a real server does.
 * A watch with {@code allowWatchBookmarks=true} gets a {@code BOOKMARK} event every {@link
 * #bookmarkEvery} (a minute, as a real API server sends them), carrying the newest revision it has
 * been fed up to, so that a client resumes from there rather than from its last object's.
 */
final class Watches implements AutoCloseable {

  private final ObjectRegistry registry;
  private final WatchCache cache;
  private final Faults faults;
  private final Set<ApiWatch> open = ConcurrentHashMap.newKeySet();
  private volatile java.time.Duration bookmarkEvery = java.time.Duration.ofMinutes(1);
  private final ScheduledExecutorService timeouts = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "lifeboat-apiserver-watch-timeouts");
    t.setDaemon(true);
    return t;
  });

  Watches(ObjectRegistry registry, WatchCache cache, Faults faults) {
    this.registry = registry;
    this.cache = cache;
    this.faults = faults;
  }

  /** Runs on a worker thread once the client's stream is open. */
  void start(ResourcePath path, ApiRequest request, WatchSink sink) {
    Selector selector = Selector.of(request.param("labelSelector"), request.param("fieldSelector"));
    String version = request.param("resourceVersion");
    long from = number(version);
    if (version != null && !version.isEmpty() && !version.equals("0") && from <= 0) {
      sink.send(ApiWatch.event("ERROR", ApiException.badRequest("invalid resourceVersion " + version).status()));
      sink.close();
      return;
    }
    ApiWatch watch;
    if (from > 0) {
      watch = new ApiWatch(path, selector, from, sink);
      if (faults.isStale(from)) {
        watch.fail(expired(from, faults.expiredBelow()));
        return;
      }
    } else {
      ObjectRegistry.Listed current = registry.list(path.type(),
          path.name() == null ? path.prefix() : path.key(), selector, 0, null);
      watch = new ApiWatch(path, selector, current.revision(), sink);
      for (ObjectNode object : current.items()) {
        if (path.name() == null || path.name().equals(StoredObjects.name(object))) {
          watch.sendInitial(object);
        }
      }
    }
    sink.onClose(() -> {
      cache.unsubscribe(watch);
      open.remove(watch);
      faults.untrack(watch);
    });
    if (!cache.subscribe(watch.from(), watch)) {
      watch.fail(expired(watch.from(), cache.oldestRevision()));
      return;
    }
    open.add(watch);
    faults.track(watch, request.isAdmin());
    if ("true".equals(request.param("allowWatchBookmarks"))) {
      long every = Math.max(bookmarkEvery.toMillis(), 10);
      var bookmarks = timeouts.scheduleWithFixedDelay(() -> cache.bookmark(watch), every, every, TimeUnit.MILLISECONDS);
      sink.onClose(() -> bookmarks.cancel(false));
    }
    long timeout = number(request.param("timeoutSeconds"));
    if (timeout > 0) {
      timeouts.schedule(watch::end, timeout, TimeUnit.SECONDS);
    }
  }

  /** How often watches that allow bookmarks get one. */
  void bookmarkEvery(java.time.Duration every) {
    this.bookmarkEvery = every;
  }

  int openCount() {
    return open.size();
  }

  static ObjectNode expired(long from, long newest) {
    return ApiException.expired("too old resource version: " + from + " (" + newest + ")").status();
  }

  @Override
  public void close() {
    timeouts.shutdownNow();
    open.forEach(ApiWatch::end);
  }

  private static long number(String value) {
    if (value == null || value.isEmpty()) {
      return 0;
    }
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
