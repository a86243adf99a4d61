package dev.lifeboat.repository.blob;

import java.io.InputStream;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A store that ignores a put's condition, as S3 did before it honoured {@code If-None-Match} and as
 * some S3-compatible stores still do: {@link #putIfAbsent} asks whether the key exists, then writes,
 * replacing whatever another writer put in between.
 *
 * <p>{@link #interleaveWritersOf} makes the race certain instead of likely: the first {@code writers}
 * puts of a key all find it empty before any of them writes, then write one at a time, each only once
 * the one before has finished its next call to the store (a writer that reads the key back right
 * after writing sees its own blob, which the next writer then replaces). Thread-safe.
 */
public final class ConditionIgnoringBlobStore extends InMemoryBlobStore {
  private volatile Interleaving interleaving;
  private final AtomicInteger writes = new AtomicInteger();

  public ConditionIgnoringBlobStore(String name) {
    super(name);
  }

  public ConditionIgnoringBlobStore(String name, Clock clock) {
    super(name, clock);
  }

  /** The next {@code writers} puts of {@code key} race as described above. */
  public void interleaveWritersOf(String key, int writers) {
    interleaving = new Interleaving(key, writers);
  }

  /** How many puts of the interleaved key wrote. */
  public int writes() {
    return writes.get();
  }

  @Override
  public boolean putIfAbsent(String key, byte[] data) {
    Interleaving race = interleaving;
    boolean racing = race != null && race.key.equals(key);
    try {
      if (super.stat(key).isPresent()) {
        return false;
      }
      if (racing) {
        race.awaitTurn();
      }
      replace(key, data);
      if (racing) {
        writes.incrementAndGet();
        race.wrote();
        return true; // released at this writer's next call
      }
      return true;
    } finally {
      if (!racing) {
        afterCall();
      }
    }
  }

  @Override
  public boolean putIfAbsent(String key, InputStream data, long length) {
    try {
      return super.putIfAbsent(key, data, length);
    } finally {
      afterCall();
    }
  }

  @Override
  public Optional<byte[]> get(String key) {
    try {
      return super.get(key);
    } finally {
      afterCall();
    }
  }

  @Override
  public Optional<byte[]> getRange(String key, long offset, int length) {
    try {
      return super.getRange(key, offset, length);
    } finally {
      afterCall();
    }
  }

  @Override
  public Optional<InputStream> open(String key) {
    try {
      return super.open(key);
    } finally {
      afterCall();
    }
  }

  @Override
  public Optional<BlobInfo> stat(String key) {
    try {
      return super.stat(key);
    } finally {
      afterCall();
    }
  }

  @Override
  public void list(String prefix, Consumer<BlobInfo> each) {
    try {
      super.list(prefix, each);
    } finally {
      afterCall();
    }
  }

  @Override
  public void delete(String key) {
    try {
      super.delete(key);
    } finally {
      afterCall();
    }
  }

  private void afterCall() {
    Interleaving race = interleaving;
    if (race != null) {
      race.afterCall();
    }
  }

  /** The schedule of one race. */
  private static final class Interleaving {
    private final String key;
    private final CyclicBarrier allChecked;
    private final CountDownLatch[] turns;
    private final AtomicInteger arrived = new AtomicInteger();
    /** The turn of the writer on this thread that has written and not yet made its next call; -1 if none. */
    private final ThreadLocal<Integer> written = ThreadLocal.withInitial(() -> -1);
    private final ThreadLocal<Integer> turn = ThreadLocal.withInitial(() -> -1);

    Interleaving(String key, int writers) {
      this.key = key;
      this.allChecked = new CyclicBarrier(writers);
      this.turns = new CountDownLatch[writers];
      for (int i = 0; i < writers; i++) {
        turns[i] = new CountDownLatch(i == 0 ? 0 : 1);
      }
    }

    void awaitTurn() {
      int mine = arrived.getAndIncrement();
      if (mine >= turns.length) {
        return; // the race is over: later writers go straight through
      }
      turn.set(mine);
      try {
        allChecked.await(1, TimeUnit.MINUTES);
        if (!turns[mine].await(1, TimeUnit.MINUTES)) {
          throw new IllegalStateException("writer " + mine + " of " + key + " never got its turn");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } catch (BrokenBarrierException | TimeoutException e) {
        throw new IllegalStateException("fewer than " + turns.length + " writers of " + key + " arrived", e);
      }
    }

    void wrote() {
      written.set(turn.get());
    }

    void afterCall() {
      int done = written.get();
      if (done >= 0) {
        written.set(-1);
        if (done + 1 < turns.length) {
          turns[done + 1].countDown();
        }
      }
    }
  }
}
