package dev.lifeboat.embedded.apiserver;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The registry in memory, for a local API without etcd: the same revisions and conditional writes
 * as etcd, gone when the JVM ends. Listeners are called in revision order while the write holds the
 * lock, so none misses or reorders a change.
 */
public final class MemoryRegistryStore implements RegistryStore {

  private final NavigableMap<String, Entry> entries = new TreeMap<>();
  private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();
  private long revision = 1;

  @Override
  public synchronized Optional<Entry> get(String key) {
    return Optional.ofNullable(entries.get(key));
  }

  @Override
  public synchronized Page list(String prefix, String startAfter, int limit) {
    List<Entry> page = new ArrayList<>();
    NavigableMap<String, Entry> range =
        startAfter == null ? entries.tailMap(prefix, true) : entries.tailMap(startAfter, false);
    boolean more = false;
    for (Map.Entry<String, Entry> e : range.entrySet()) {
      if (!e.getKey().startsWith(prefix)) {
        break;
      }
      if (limit > 0 && page.size() == limit) {
        more = true;
        break;
      }
      page.add(e.getValue());
    }
    return new Page(page, revision, more);
  }

  @Override
  public synchronized Write create(String key, byte[] value) {
    Entry current = entries.get(key);
    if (current != null) {
      return new Write(false, revision, current);
    }
    long next = revision + 1;
    put(key, new Entry(key, value.clone(), next, next), null);
    return new Write(true, next, null);
  }

  @Override
  public synchronized Write update(String key, byte[] value, long modRevision) {
    Entry current = entries.get(key);
    if (current == null || current.modRevision() != modRevision) {
      return new Write(false, revision, current);
    }
    long next = revision + 1;
    put(key, new Entry(key, value.clone(), current.createRevision(), next), current);
    return new Write(true, next, null);
  }

  @Override
  public synchronized Write delete(String key, long modRevision) {
    Entry current = entries.get(key);
    if (current == null || current.modRevision() != modRevision) {
      return new Write(false, revision, current);
    }
    revision++;
    entries.remove(key);
    notifyListeners(new Change(revision, key, null, current));
    return new Write(true, revision, null);
  }

  @Override
  public synchronized long revision() {
    return revision;
  }

  /** Only changes from now on can be watched: this store keeps no history. */
  @Override
  public synchronized Subscription watch(long after, ChangeListener listener) {
    if (after < revision) {
      throw new IllegalArgumentException(
          "the memory registry keeps no history: cannot watch from revision " + after
              + ", the newest is " + revision);
    }
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  @Override
  public String describe() {
    return "memory";
  }

  @Override
  public void close() {
    listeners.clear();
  }

  private void put(String key, Entry entry, Entry previous) {
    revision = entry.modRevision();
    entries.put(key, entry);
    notifyListeners(new Change(revision, key, entry.value(), previous));
  }

  private void notifyListeners(Change change) {
    for (ChangeListener listener : listeners) {
      listener.changed(change);
    }
  }
}
