package dev.lifeboat.repository.restore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the files of a restore, in the order they are written. Creating a file costs the file
 * system more than writing a small one (an inode to allocate, a directory to update), so
 * {@link #ahead} creates files before they are needed while the writers wait for chunks or write
 * large files: a volume's many small files are then mostly created by the time they are reached.
 * Creation is mostly the kernel's work, so two threads create side by side (on this project's
 * ext4 build machine, 26,000 files took about half as long on two threads as on one), each the
 * files of its own directories: two threads creating in one directory wait on its lock, and the
 * kernel spins while they do. Each parent directory is created once, not looked up again for
 * every file. A file created ahead is closed
 * until it is opened (no descriptor is held per file waiting), then opened without following links
 * and only if still empty. Each file is created new (nothing already there is ever opened), with
 * its parent directories. Closing removes the files created ahead and never taken (a restore that
 * stopped early), so no empty file is left looking restored. Not thread-safe: one thread takes the
 * files (the files taken may be opened on others).
 */
abstract class FileCreator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FileCreator.class);

  /**
   * {@code path}, the next path of the order this was given, once it may be opened: created ahead
   * already, or to be created when opened.
   */
  abstract Opener take(Path path) throws IOException;

  /**
   * A file taken, to be opened for writing: new and empty.
   *
   * @param createdAhead the restore created it already (so an empty file is there until it is written)
   */
  record Opener(Path path, boolean createdAhead) {
    SparseFileWriter open() throws IOException {
      return createdAhead ? SparseFileWriter.ofCreated(path) : create(path);
    }
  }

  @Override
  public abstract void close();

  /** Creates each file when it is opened, on the opening thread. */
  static FileCreator inline() {
    return new FileCreator() {
      @Override
      Opener take(Path path) {
        return new Opener(path, false);
      }

      @Override
      public void close() {}
    };
  }

  /** Threads creating files ahead of the writer. */
  static final int CREATING_THREADS = 2;

  /** Creates up to {@code depth} files of {@code order} ahead of the one taken. */
  static FileCreator ahead(List<Path> order, int depth) {
    return new Ahead(order.iterator(), depth);
  }

  private static SparseFileWriter create(Path path) throws IOException {
    Files.createDirectories(path.getParent());
    return new SparseFileWriter(path);
  }


  private static final class Ahead extends FileCreator {
    private record Pending(Path path, CompletableFuture<Path> created) {}

    private final Iterator<Path> order;
    private final int depth;
    private final Deque<Pending> window = new ArrayDeque<>();
    private final Set<Path> directories = ConcurrentHashMap.newKeySet();
    private final List<ExecutorService> threads = new ArrayList<>();

    Ahead(Iterator<Path> order, int depth) {
      this.order = order;
      this.depth = depth;
      for (int i = 1; i <= CREATING_THREADS; i++) {
        String name = "lifeboat-restore-create-" + i;
        threads.add(Executors.newSingleThreadExecutor(r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        }));
      }
    }

    /** The thread creating the files of {@code path}'s directory. */
    private ExecutorService threadFor(Path path) {
      Path parent = path.getParent();
      return threads.get(Math.floorMod(parent == null ? 0 : parent.hashCode(), threads.size()));
    }

    @Override
    Opener take(Path path) throws IOException {
      while (window.size() < depth && order.hasNext()) {
        Path next = order.next();
        window.add(new Pending(next, CompletableFuture.supplyAsync(() -> {
          try {
            return createEmpty(next);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }, threadFor(next))));
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
      return new Opener(path, true);
    }

    private Path createEmpty(Path path) throws IOException {
      Path parent = path.getParent();
      if (!directories.contains(parent)) {
        Files.createDirectories(parent); // safe when two threads create the same directory
        directories.add(parent);
      }
      return Files.createFile(path);
    }

    @Override
    public void close() {
      threads.forEach(ExecutorService::shutdownNow); // files not created yet never will be
      try {
        for (ExecutorService thread : threads) {
          if (!thread.awaitTermination(1, TimeUnit.MINUTES)) {
            throw new IllegalStateException("a file of the restore is still being created after a minute");
          }
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
