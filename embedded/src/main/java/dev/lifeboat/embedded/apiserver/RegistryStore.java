package dev.lifeboat.embedded.apiserver;

import java.util.List;
import java.util.Optional;

/**
 * Where the local Kubernetes API keeps its objects: a key-value store with etcd's revisions, keys
 * under {@code /registry/}, one global revision raised by every write, and a watch of every change
 * after a revision. {@link EtcdRegistryStore} is etcd itself; {@link MemoryRegistryStore} holds the
 * same in memory when no etcd is installed.
 *
 * <p>Writes are conditional, as the API server makes them: create only if absent, update and delete
 * only at the modification revision the caller read. A store that cannot be reached throws {@link
 * StoreUnavailableException}; the API answers such a request with an error, never silently.
 */
public interface RegistryStore extends AutoCloseable {

  /** A stored value and the revisions of its creation and of its last change. */
  record Entry(String key, byte[] value, long createRevision, long modRevision) {}

  /**
   * Keys in key order as of one revision.
   *
   * @param more whether keys after the last one were left out by the limit
   */
  record Page(List<Entry> entries, long revision, boolean more) {}

  /**
   * The outcome of a conditional write.
   *
   * @param succeeded whether the condition held and the write happened
   * @param revision the store's revision after the write (or at the failed check)
   * @param current on failure, the value now stored (null if the key is absent)
   */
  record Write(boolean succeeded, long revision, Entry current) {}

  /**
   * One change, in revision order.
   *
   * @param value the new value; null when the key was deleted
   * @param previous the value before; null when the key was created
   */
  record Change(long revision, String key, byte[] value, Entry previous) {
    boolean deleted() {
      return value == null;
    }
  }

  /** Receives changes in revision order, on a thread of the store's; must not block. */
  interface ChangeListener {
    void changed(Change change);

    /** The watch ended and no further change will arrive; the listener must start over. */
    void failed(Throwable cause);
  }

  /** A watch to cancel. */
  interface Subscription extends AutoCloseable {
    @Override
    void close();
  }

  Optional<Entry> get(String key);

  /**
   * The newest values under {@code prefix}, after {@code startAfter} (exclusive; null for the
   * first), at most {@code limit} of them (0 for all).
   */
  Page list(String prefix, String startAfter, int limit);

  /** Writes {@code value} if {@code key} is absent. */
  Write create(String key, byte[] value);

  /** Writes {@code value} if {@code key} was last changed at {@code modRevision}. */
  Write update(String key, byte[] value, long modRevision);

  /** Deletes {@code key} if it was last changed at {@code modRevision}. */
  Write delete(String key, long modRevision);

  /** The newest revision. */
  long revision();

  /** Sends every change of a key under {@code /registry/} after {@code revision}. */
  Subscription watch(long revision, ChangeListener listener);

  /** Where the objects live, for logs: {@code etcd http://127.0.0.1:2379} or {@code memory}. */
  String describe();

  @Override
  void close();
}
