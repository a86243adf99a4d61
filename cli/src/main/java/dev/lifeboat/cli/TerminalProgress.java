package dev.lifeboat.cli;

import dev.lifeboat.repository.check.CheckProgress;
import java.io.PrintWriter;

/**
 * Progress of a long command: on a terminal a bar redrawn in place, elsewhere (a log, a pipe) one line
 * per phase when it starts and when it ends, so logs stay readable.
 */
final class TerminalProgress implements CheckProgress, AutoCloseable {
  private static final int WIDTH = 30;

  private final PrintWriter out;
  private final boolean terminal;
  private String phase;
  private long lastDrawn;
  private boolean drawn;

  TerminalProgress(PrintWriter out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  @Override
  public synchronized void at(String phase, long done, long total) {
    if (!phase.equals(this.phase)) {
      endLine();
      this.phase = phase;
      if (!terminal) {
        out.println(phase + ": " + total + " to do");
        out.flush();
      }
    }
    long now = System.nanoTime();
    boolean finished = done >= total;
    if (terminal && (finished || now - lastDrawn > 100_000_000L)) {
      lastDrawn = now;
      int filled = total == 0 ? WIDTH : (int) (WIDTH * Math.min(done, total) / total);
      out.print("\r" + String.format("%-14s [%s%s] %d/%d", phase, "#".repeat(filled), ".".repeat(WIDTH - filled), done, total));
      out.flush();
      drawn = true;
    }
    if (finished && !terminal) {
      out.println(phase + ": done");
      out.flush();
    }
  }

  private void endLine() {
    if (drawn) {
      out.println();
      out.flush();
      drawn = false;
    }
  }

  @Override
  public synchronized void close() {
    endLine();
  }
}
