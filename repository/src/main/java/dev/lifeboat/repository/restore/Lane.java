package dev.lifeboat.repository.restore;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs what it is given one after another, in the order given, on an executor shared with other
 * lanes: work for one file stays in order while different files' work runs side by side. A lane
 * holds no thread while it has nothing to run, so a lane waiting for its next piece never blocks
 * another. Given {@code Runnable::run}, each piece runs at once on the calling thread.
 */
final class Lane {
  private static final Logger log = LoggerFactory.getLogger(Lane.class);

  private final Executor executor;
  private final Deque<Runnable> queue = new ArrayDeque<>();
  private boolean running;

  Lane(Executor executor) {
    this.executor = executor;
  }

  /**
   * Runs {@code work} after everything given before it. It should not throw: what it throws is
   * logged and the lane goes on.
   */
  void run(Runnable work) {
    synchronized (this) {
      queue.add(work);
      if (running) {
        return;
      }
      running = true;
    }
    executor.execute(this::drain);
  }

  private void drain() {
    while (true) {
      Runnable next;
      synchronized (this) {
        next = queue.poll();
        if (next == null) {
          running = false;
          return;
        }
      }
      try {
        next.run();
      } catch (RuntimeException | Error e) {
        log.error("A restore's writing step failed unexpectedly; the lane goes on with the next one", e);
      }
    }
  }
}
