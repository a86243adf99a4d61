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

/**
 * Creates the files of a restore, in the order they are written. Creating a file costs the file
 * system more than writing a small one (an inode to allocate, a directory to update: on ext4 about
 * as long as writing 100 KiB), so {@link #ahead} creates up to a fixed number of files before they
 * are needed, on a thread of its own, while the writer waits for chunks or writes. Each file is
 * created new ({@link SparseFileWriter}: nothing already there is ever opened), with its parent
 * directories. Closing removes the files created ahead and never handed out (a restore that stopped
 * early), so no empty file is left looking restored. Not thread-safe: one writer takes the files.
 */
abstract class FileCreator implements AutoCloseable {
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

  private static final class Ahead extends FileCreator {
    private record Pending(Path path, CompletableFuture<SparseFileWriter> writer) {}

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
            return create(next);
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
        return head.writer().join();
      } catch (CompletionException e) {
        if (e.getCause() instanceof UncheckedIOException io) {
          throw io.getCause();
        }
        throw e.getCause() instanceof RuntimeException r ? r : e;
      }
    }

    @Override
    public void close() {
      thread.shutdown();
      for (Pending pending : window) {
        try {
          SparseFileWriter writer = pending.writer().join();
          writer.close();
          Files.deleteIfExists(pending.path());
        } catch (RuntimeException | IOException e) {
          // never created, or already gone: nothing of ours is there
        }
      }
      window.clear();
    }
  }
}
