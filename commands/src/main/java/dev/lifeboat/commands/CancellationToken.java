package dev.lifeboat.commands;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tells a running command that it should stop. Long work checks {@link #throwIfCancelled()} between
 * steps; work that waits registers {@link #onCancel} to be woken.
 */
public final class CancellationToken {
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private volatile String reason;

  /** Thrown by {@link #throwIfCancelled()}. */
  public static final class CancelledException extends RuntimeException {
    public CancelledException(String reason) {
      super(reason);
    }
  }

  /** A token nobody cancels. */
  public static CancellationToken none() {
    return new CancellationToken();
  }

  public boolean isCancelled() {
    return reason != null;
  }

  /** Why it was cancelled, or null. */
  public String reason() {
    return reason;
  }

  public void throwIfCancelled() {
    String why = reason;
    if (why != null) {
      throw new CancelledException(why);
    }
  }

  /** Cancels (once: a second call keeps the first reason) and runs the listeners. */
  public void cancel(String why) {
    synchronized (this) {
      if (reason != null) {
        return;
      }
      reason = why;
    }
    listeners.forEach(Runnable::run);
  }

  /** Runs {@code listener} when cancelled (at once, if it already is). */
  public void onCancel(Runnable listener) {
    AtomicBoolean ran = new AtomicBoolean();
    Runnable once = () -> {
      if (ran.compareAndSet(false, true)) {
        listener.run();
      }
    };
    listeners.add(once);
    if (isCancelled()) {
      once.run();
    }
  }
}
