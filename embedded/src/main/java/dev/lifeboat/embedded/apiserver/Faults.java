package dev.lifeboat.embedded.apiserver;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Breaks the API the way a real one breaks, for tests of clients that must not miss a change: it
 * expires open watches (an {@code ERROR} event with a 410 {@code Expired} status, then close),
 * takes the API down (503 to everyone but the administrator), and refuses a resource (403), as
 * RBAC would. Once watches have been expired or an outage has ended, a watch that starts from a
 * resourceVersion older than the newest one at that moment is expired at once, as by a server whose
 * watch cache has moved on, so informers list again.
 */
public final class Faults {

  private final LongSupplier newestRevision;
  private final Set<ApiWatch> open = ConcurrentHashMap.newKeySet();
  private final Set<String> forbidden = ConcurrentHashMap.newKeySet();
  private final AtomicLong expiredBelow = new AtomicLong();
  private volatile boolean outage;

  Faults(LongSupplier newestRevision) {
    this.newestRevision = newestRevision;
  }

  /** The refusal an injected fault answers {@code request} with, or null if it may proceed. */
  ApiException refusal(ApiRequest request) {
    if (request.isAdmin()) {
      return null;
    }
    if (outage) {
      return ApiException.unavailable("the server is currently unable to handle the request");
    }
    if (!forbidden.isEmpty()) {
      String resource = resourceOf(request.path());
      if (forbidden.contains(resource)) {
        return ApiException.forbidden("the client may not access " + resource);
      }
    }
    return null;
  }

  /** Watches open right now (a watch counts once the server has accepted it and subscribed it). */
  public int openWatchCount() {
    return open.size();
  }

  /** Sends every open watch an {@code ERROR} event with status 410 Expired, then closes it. */
  public void expireWatches() {
    long newest = raiseExpiry();
    for (ApiWatch watch : snapshot()) {
      watch.fail(Watches.expired(watch.from(), newest));
    }
  }

  /** From now on, only administrator requests are served; open watches are closed. */
  public void beginOutage() {
    outage = true;
    for (ApiWatch watch : snapshot()) {
      if (!watch.isEnded()) {
        watch.end();
      }
    }
  }

  /** Serves everyone again; watches from before the newest resourceVersion now are expired. */
  public void endOutage() {
    raiseExpiry();
    outage = false;
  }

  /** Answers 403 to every non-administrator request for {@code resource} ({@code secrets}, {@code widgets.example.com}). */
  public void forbid(String resource) {
    forbidden.add(resource);
  }

  public void allow(String resource) {
    forbidden.remove(resource);
  }

  boolean isStale(long from) {
    return from > 0 && from < expiredBelow.get();
  }

  long expiredBelow() {
    return expiredBelow.get();
  }

  void track(ApiWatch watch, boolean admin) {
    open.add(watch);
    if (outage && !admin) {
      watch.end();
    }
  }

  void untrack(ApiWatch watch) {
    open.remove(watch);
  }

  private List<ApiWatch> snapshot() {
    return new ArrayList<>(open);
  }

  private long raiseExpiry() {
    return expiredBelow.accumulateAndGet(newestRevision.getAsLong(), Math::max);
  }

  /**
   * The resource a path addresses, as kubectl names it: {@code /api/v1/namespaces/x/secrets/y} is
   * {@code secrets}, {@code /apis/apps/v1/deployments} is {@code deployments.apps}.
   */
  static String resourceOf(String path) {
    String p = path == null ? "" : path;
    int query = p.indexOf('?');
    if (query >= 0) {
      p = p.substring(0, query);
    }
    String[] parts = p.split("/");
    int start;
    String group;
    if (parts.length > 3 && parts[1].equals("api")) {
      group = "";
      start = 3;
    } else if (parts.length > 4 && parts[1].equals("apis")) {
      group = parts[2];
      start = 4;
    } else {
      return "";
    }
    if (parts.length > start + 2 && parts[start].equals("namespaces")) {
      start += 2;
    }
    if (parts.length <= start) {
      return "";
    }
    return group.isEmpty() ? parts[start] : parts[start] + "." + group;
  }
}
