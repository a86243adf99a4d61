package dev.lifeboat.watcher;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The objects whose latest state still has to reach Kafka: their identities and kinds, never their
 * contents, so memory is bounded by the number of objects however long Kafka refuses. An object is
 * in the backlog once however often it changes; whoever publishes it reads its latest state from the
 * API. Oldest first.
 */
final class Backlog {
  private final Map<String, WatchedKind> keys = new LinkedHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition added = lock.newCondition();

  /** One object to publish. */
  record Item(String key, WatchedKind kind) {}

  void add(String key, WatchedKind kind) {
    lock.lock();
    try {
      if (keys.putIfAbsent(key, kind) == null) {
        added.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  boolean contains(String key) {
    lock.lock();
    try {
      return keys.containsKey(key);
    } finally {
      lock.unlock();
    }
  }

  /** Takes the object out of the backlog; false if it was not in it. */
  boolean remove(String key) {
    lock.lock();
    try {
      return keys.remove(key) != null;
    } finally {
      lock.unlock();
    }
  }

  /** The oldest object, left in the backlog (so that changes to it keep waiting behind it); null after the timeout. */
  Item peek(Duration timeout) throws InterruptedException {
    long nanos = timeout.toNanos();
    lock.lock();
    try {
      while (keys.isEmpty()) {
        if (nanos <= 0) {
          return null;
        }
        nanos = added.awaitNanos(nanos);
      }
      Iterator<Map.Entry<String, WatchedKind>> first = keys.entrySet().iterator();
      Map.Entry<String, WatchedKind> e = first.next();
      return new Item(e.getKey(), e.getValue());
    } finally {
      lock.unlock();
    }
  }

  /** The oldest object, left in the backlog; null if the backlog is empty. */
  Item peekNow() {
    try {
      return peek(java.time.Duration.ZERO);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Moves an object that could not be published yet to the back. */
  void requeue(String key) {
    lock.lock();
    try {
      WatchedKind kind = keys.remove(key);
      if (kind != null) {
        keys.put(key, kind);
      }
    } finally {
      lock.unlock();
    }
  }

  int size() {
    lock.lock();
    try {
      return keys.size();
    } finally {
      lock.unlock();
    }
  }
}
