package dev.lifeboat.embedded.apiserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeboat.embedded.apiserver.RegistryStore.Change;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client's watch: the changes under its resource (and namespace, name and selectors) after
 * the revision it started from, as {@code ADDED}, {@code MODIFIED} and {@code DELETED} events. An
 * object that stops matching the selectors is reported {@code DELETED}, one that starts matching
 * {@code ADDED}, as a real API server's watch cache does.
 */
final class ApiWatch implements WatchCache.Subscriber {

  private final ResourcePath path;
  private final String prefix;
  private final Selector selector;
  private final long from;
  private final WatchSink sink;
  private final AtomicBoolean ended = new AtomicBoolean();

  ApiWatch(ResourcePath path, Selector selector, long from, WatchSink sink) {
    this.path = path;
    this.prefix = path.name() == null ? path.prefix() : path.key();
    this.selector = selector;
    this.from = from;
    this.sink = sink;
  }

  WatchSink sink() {
    return sink;
  }

  /** The revision this watch started after. */
  long from() {
    return from;
  }

  @Override
  public void deliver(Change change) {
    if (ended.get() || change.revision() <= from || !matchesKey(change.key())) {
      return;
    }
    ObjectNode now = change.deleted() ? null
        : StoredObjects.decode(change.value(), change.revision(), path.type());
    ObjectNode before = change.previous() == null ? null
        : StoredObjects.decode(change.previous().value(), change.revision(), path.type());
    boolean matchesNow = now != null && selector.test(now);
    boolean matchedBefore = before != null && selector.test(before);
    if (matchesNow && matchedBefore) {
      send("MODIFIED", now);
    } else if (matchesNow) {
      send("ADDED", now);
    } else if (matchedBefore) {
      send("DELETED", before);
    }
  }

  /**
   * Sends a {@code BOOKMARK} at {@code revision}: every change up to it has been delivered, so a
   * client may resume from there. Called by the cache, in order with the changes.
   */
  @Override
  public void bookmark(long revision) {
    if (ended.get() || revision <= from) {
      return;
    }
    ObjectNode object = StoredObjects.JSON.createObjectNode()
        .put("kind", path.type().kind()).put("apiVersion", path.type().groupVersion());
    object.putObject("metadata").put("resourceVersion", Long.toString(revision));
    send("BOOKMARK", object);
  }

  /** Sends an object that existed when the watch started (a watch without a resourceVersion). */
  void sendInitial(ObjectNode object) {
    send("ADDED", object);
  }

  @Override
  public void end() {
    if (ended.compareAndSet(false, true)) {
      sink.close();
    }
  }

  /** Sends an {@code ERROR} event carrying {@code status}, then ends the stream. */
  void fail(ObjectNode status) {
    if (ended.compareAndSet(false, true)) {
      sink.send(event("ERROR", status));
      sink.close();
    }
  }

  boolean isEnded() {
    return ended.get();
  }

  private boolean matchesKey(String key) {
    return path.name() == null ? key.startsWith(prefix) : key.equals(prefix);
  }

  private void send(String type, ObjectNode object) {
    sink.send(event(type, object));
  }

  static String event(String type, ObjectNode object) {
    ObjectNode event = StoredObjects.JSON.createObjectNode().put("type", type);
    event.set("object", object);
    return event.toString();
  }
}
