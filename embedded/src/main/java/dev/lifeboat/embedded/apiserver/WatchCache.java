package dev.lifeboat.embedded.apiserver;

import dev.lifeboat.embedded.apiserver.RegistryStore.Change;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API server's window on the store's changes, as a real API server's watch cache: one watch of
 * the whole registry, the recent changes kept in order, and every API watch fed from it. A watch
 * may start from any revision the window still holds; one that starts from an older revision is
 * told {@code 410 Expired} and must list again, as against a real API server.
 *
 * <p>If the store's watch fails (etcd stopped, or compacted past the cache), every API watch is
 * ended (clients watch again or relist) and the cache watches again from where it was.
 */
final class WatchCache implements RegistryStore.ChangeListener, AutoCloseable {

  /** What an API watch does with a change; called in revision order, must not block. */
  interface Subscriber {
    void deliver(Change change);

    /** The cache can no longer feed this subscriber; it must end its stream. */
    void end();

    /** Every change up to {@code revision} has been delivered; called in order with the changes. */
    default void bookmark(long revision) {}
  }

  private static final Logger log = LoggerFactory.getLogger(WatchCache.class);
  private static final int MAX_EVENTS = 50_000;
  private static final long MAX_BYTES = 256L << 20;

  private final RegistryStore store;
  private final Deque<Change> history = new ArrayDeque<>();
  private final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService restarts = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "lifeboat-apiserver-watch-restart");
    t.setDaemon(true);
    return t;
  });
  private long bytes;
  /** Every change after this revision is in {@link #history} or yet to come. */
  private long knownAfter;
  private long head;
  private RegistryStore.Subscription subscription;
  private boolean closed;

  WatchCache(RegistryStore store) {
    this.store = store;
  }

  synchronized void start() {
    head = store.revision();
    knownAfter = head;
    subscription = store.watch(head, this);
  }

  /** The oldest revision a watch may start from. */
  synchronized long oldestRevision() {
    return knownAfter;
  }

  /**
   * Feeds {@code subscriber} every change after {@code revision}: those the window holds now, then
   * each new one.
   *
   * @return false if the window no longer reaches back to {@code revision}
   */
  synchronized boolean subscribe(long revision, Subscriber subscriber) {
    if (revision < knownAfter || closed) {
      return false;
    }
    for (Change change : history) {
      if (change.revision() > revision) {
        subscriber.deliver(change);
      }
    }
    subscribers.add(subscriber);
    return true;
  }

  /** Tells {@code subscriber}, in order with the changes, the newest revision it has been fed up to. */
  synchronized void bookmark(Subscriber subscriber) {
    if (subscribers.contains(subscriber)) {
      subscriber.bookmark(head);
    }
  }

  void unsubscribe(Subscriber subscriber) {
    subscribers.remove(subscriber);
  }

  @Override
  public synchronized void changed(Change change) {
    if (change.revision() <= head) {
      return;
    }
    head = change.revision();
    history.addLast(change);
    bytes += size(change);
    while (history.size() > MAX_EVENTS || bytes > MAX_BYTES) {
      Change evicted = history.removeFirst();
      bytes -= size(evicted);
      knownAfter = evicted.revision();
    }
    for (Subscriber subscriber : subscribers) {
      subscriber.deliver(change);
    }
  }

  @Override
  public void failed(Throwable cause) {
    List<Subscriber> ended;
    synchronized (this) {
      if (closed) {
        return;
      }
      log.warn("The registry watch of {} failed ({}); ending every API watch and watching again",
          store.describe(), cause.toString());
      ended = new ArrayList<>(subscribers);
      subscribers.clear();
    }
    ended.forEach(Subscriber::end);
    restarts.schedule(this::restart, 500, TimeUnit.MILLISECONDS);
  }

  private void restart() {
    synchronized (this) {
      if (closed) {
        return;
      }
      try {
        subscription = store.watch(head, this);
        return;
      } catch (RuntimeException e) {
        log.warn("Cannot watch {} again from revision {} ({}); starting from the newest revision",
            store.describe(), head, e.toString());
      }
      try {
        head = store.revision();
        knownAfter = head;
        history.clear();
        bytes = 0;
        subscription = store.watch(head, this);
      } catch (RuntimeException e) {
        log.warn("Cannot watch {} ({}); trying again in 1 s", store.describe(), e.toString());
        restarts.schedule(this::restart, 1, TimeUnit.SECONDS);
      }
    }
  }

  @Override
  public void close() {
    List<Subscriber> ended;
    synchronized (this) {
      closed = true;
      if (subscription != null) {
        subscription.close();
      }
      ended = new ArrayList<>(subscribers);
      subscribers.clear();
    }
    restarts.shutdownNow();
    ended.forEach(Subscriber::end);
  }

  private static long size(Change change) {
    return change.key().length() + (change.value() == null ? 0 : change.value().length)
        + (change.previous() == null ? 0 : change.previous().value().length) + 64;
  }
}
