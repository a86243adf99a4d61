package dev.lifeboat.repository.restore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the files of a restore, in the order they are written. Creating a file costs the file
 * system more than writing a small one (an inode to allocate, a directory to update), so
 * {@link #ahead} creates files before they are needed, on a thread of its own, while the writer
 * waits for chunks or writes large files: a volume's many small files are then mostly created by the
 * time the writer reaches them. A file created ahead is closed until it is taken (no descriptor is
 * held per file), then opened without following links and only if still empty. Each file is created
 * new (nothing already there is ever opened), with its parent directories. Closing removes the files
 * created ahead and never handed out (a restore that stopped early), so no empty file is left looking
 * restored. Not thread-safe: one writer takes the files.
 */
abstract class FileCreator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FileCreator.class);

  /** The writer of {@code path}, created new; the next path of the order it was given. */
  abstract SparseFileWriter take(Path path) throws IOException;

  @Override
  public abstract void close();

  /** Creates each file when it is taken, on the taking thread. */
  static FileCreator inline() {
    return new FileCreator() {
      @Override
      SparseFileWriter take(Path path) throws IOException {
        return create(path);
      }

      @Override
      public void close() {}
    };
  }

  /** Creates up to {@code depth} files of {@code order} ahead of the one taken. */
  static FileCreator ahead(List<Path> order, int depth) {
    return new Ahead(order.iterator(), depth);
  }

  private static SparseFileWriter create(Path path) throws IOException {
    Files.createDirectories(path.getParent());
    return new SparseFileWriter(path);
  }

  private static Path createEmpty(Path path) throws IOException {
    Files.createDirectories(path.getParent());
    return Files.createFile(path);
  }

  private static final class Ahead extends FileCreator {
    private record Pending(Path path, CompletableFuture<Path> created) {}

    private final Iterator<Path> order;
    private final int depth;
    private final Deque<Pending> window = new ArrayDeque<>();
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "lifeboat-restore-create");
      t.setDaemon(true);
      return t;
    });

    Ahead(Iterator<Path> order, int depth) {
      this.order = order;
      this.depth = depth;
    }

    @Override
    SparseFileWriter take(Path path) throws IOException {
      while (window.size() < depth && order.hasNext()) {
        Path next = order.next();
        window.add(new Pending(next, CompletableFuture.supplyAsync(() -> {
          try {
            return createEmpty(next);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }, thread)));
      }
      Pending head = window.poll();
      if (head == null || !head.path().equals(path)) {
        throw new IllegalStateException("restore out of order: " + path + " was taken, " + (head == null ? "no file"
            : head.path()) + " is next");
      }
      try {
        head.created().join();
      } catch (CompletionException e) {
        if (e.getCause() instanceof UncheckedIOException io) {
          throw io.getCause();
        }
        throw e.getCause() instanceof RuntimeException r ? r : e;
      }
      return SparseFileWriter.ofCreated(path);
    }

    @Override
    public void close() {
      thread.shutdownNow(); // files not created yet never will be
      try {
        if (!thread.awaitTermination(1, TimeUnit.MINUTES)) {
          throw new IllegalStateException("a file of the restore is still being created after a minute");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      for (Pending pending : window) {
        if (pending.created().isDone() && !pending.created().isCompletedExceptionally()) {
          try {
            Files.deleteIfExists(pending.path());
          } catch (IOException e) {
            log.warn("Could not remove {}, created for a restore that stopped before writing it: {}", pending.path(),
                e.toString());
          }
        }
      }
      window.clear();
    }
  }
}
