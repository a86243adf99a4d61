package dev.lifeboat.testing;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What a test opened, closed after each test in the reverse order of opening (what was opened last is
 * closed first). Every one is closed even when another fails to close; the first failure is thrown with
 * the later ones suppressed in it.
 *
 * <pre>{@code @RegisterExtension final Closer closer = new Closer();}</pre>
 */
public final class Closer implements AfterEachCallback, AutoCloseable {
  private final Deque<AutoCloseable> opened = new ArrayDeque<>();

  /** Closes {@code resource} after the test; returns it. */
  public synchronized <T extends AutoCloseable> T register(T resource) {
    opened.push(resource);
    return resource;
  }

  /** A pool of {@code threads} threads, shut down after the test (what still runs is interrupted). */
  public ExecutorService threads(int threads) {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    register(() -> pool.shutdownNow());
    return pool;
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    close();
  }

  @Override
  public void close() throws Exception {
    Exception failure = null;
    for (AutoCloseable resource = next(); resource != null; resource = next()) {
      try {
        resource.close();
      } catch (Exception e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private synchronized AutoCloseable next() {
    return opened.poll();
  }
}
