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
 */
final class Watches implements AutoCloseable {

  private final ObjectRegistry registry;
  private final WatchCache cache;
  private final Faults faults;
  private final Set<ApiWatch> open = ConcurrentHashMap.newKeySet();
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
    long timeout = number(request.param("timeoutSeconds"));
    if (timeout > 0) {
      timeouts.schedule(watch::end, timeout, TimeUnit.SECONDS);
    }
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
