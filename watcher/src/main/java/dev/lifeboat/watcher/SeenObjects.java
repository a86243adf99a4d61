package dev.lifeboat.watcher;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the watcher keeps of every object of one kind: its {@code namespace/name} and the
 * resourceVersion it was last seen at, nothing of its content (what Kafka holds of it, hash and
 * uid, is in {@link PublishedState}). It serves three purposes: the objects gauge, the deletions a
 * relist reveals (objects not seen by the newest list), and the order of one object's states when
 * the watch and the republisher's reads from the API both see it ({@link #isStale}).
 *
 * <p>resourceVersions are opaque to clients in principle; an etcd-backed API server issues them as
 * increasing integers, and only then are two compared. A non-numeric one is kept as "unknown"
 * ({@code -1}) and never makes anything stale.
 */
final class SeenObjects {
  /** One object: the resourceVersion last seen (-1 if not numeric) and the list that last saw it. */
  static class Seen {
    final long version;
    final int list;

    Seen(long version, int list) {
      this.version = version;
      this.list = list;
    }
  }

  /** An object the republisher found gone from the API before the watch said so: its last life's uid. */
  static final class Gone extends Seen {
    final String uid;

    Gone(long version, int list, String uid) {
      super(version, list);
      this.uid = uid;
    }
  }

  private final Map<String, Seen> objects = new ConcurrentHashMap<>();
  private volatile int list;

  /** The resourceVersion as a number, -1 if it is not one. */
  static long version(String resourceVersion) {
    if (resourceVersion == null || resourceVersion.isEmpty() || resourceVersion.length() > 18) {
      return -1;
    }
    long v = 0;
    for (int i = 0; i < resourceVersion.length(); i++) {
      char c = resourceVersion.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  /** A new list begins: objects it does not see are gone once it ends ({@link #endList}). */
  void beginList() {
    list++;
  }

  /**
   * Whether a state of the object at {@code version} (uid {@code uid}) is older than what the
   * watcher already saw of it: a lower resourceVersion, or the object was found gone and this is
   * its old life still arriving.
   */
  boolean isStale(String key, long version, String uid) {
    Seen seen = objects.get(key);
    if (seen instanceof Gone gone) {
      return gone.uid.equals(uid);
    }
    return seen != null && seen.version >= 0 && version >= 0 && version < seen.version;
  }

  /** The object exists at {@code version}. */
  void saw(String key, long version) {
    objects.put(key, new Seen(version, list));
  }

  /** The watch reported the object deleted. */
  void deleted(String key) {
    objects.remove(key);
  }

  /** The republisher found the object gone: its old life ({@code uid}) may still be arriving on the watch. */
  void gone(String key, String uid) {
    objects.put(key, new Gone(-1, list, uid));
  }

  /** What was last seen of the object, or null. */
  Seen get(String key) {
    return objects.get(key);
  }

  /** Forgets every object the list that just ended did not see; returns their keys' count. */
  int endList() {
    int current = list;
    int before = objects.size();
    objects.values().removeIf(s -> s.list != current);
    return before - objects.size();
  }

  /** Objects that exist, as last seen. */
  int size() {
    int gone = 0;
    for (Seen s : objects.values()) {
      if (s instanceof Gone) {
        gone++;
      }
    }
    return objects.size() - gone;
  }

  boolean contains(String key) {
    Seen s = objects.get(key);
    return s != null && !(s instanceof Gone);
  }
}
