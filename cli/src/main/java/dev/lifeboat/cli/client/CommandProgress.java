package dev.lifeboat.cli.client;

import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.events.v1.Progress;
import java.io.PrintWriter;

/**
 * Shows a command's audit events as they arrive: each step on a line of its own, and its progress as
 * a bar redrawn in place on a terminal, or as plain lines when the output is a file or a pipe.
 */
public final class CommandProgress {
  private static final int BAR = 30;

  private final PrintWriter out;
  private final boolean terminal;
  private boolean barShown;

  public CommandProgress(PrintWriter out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  /** Whether standard output is a terminal (a console with no redirection). */
  public static boolean stdoutIsTerminal() {
    return System.console() != null && System.getenv("TERM") != null && !"dumb".equals(System.getenv("TERM"));
  }

  public void show(AuditEvent event) {
    if (event.getOutcome() == AuditOutcome.PROGRESSING && event.getProgress() != null) {
      progress(event.getProgress());
      return;
    }
    endBar();
    out.println(AuditLines.format(event, false));
    out.flush();
  }

  private void progress(Progress p) {
    String amount = p.getDone() + (p.getTotal() == null ? "" : "/" + p.getTotal()) + " " + p.getUnit();
    if (!terminal) {
      out.println("progress " + amount);
      out.flush();
      return;
    }
    StringBuilder line = new StringBuilder("\r  [");
    if (p.getTotal() != null && p.getTotal() > 0) {
      int filled = (int) Math.min(BAR, p.getDone() * BAR / p.getTotal());
      line.append("#".repeat(filled)).append("-".repeat(BAR - filled)).append("] ")
          .append(String.format("%3d%%", Math.min(100, p.getDone() * 100 / p.getTotal())));
    } else {
      int at = (int) (p.getDone() % BAR);
      line.append("-".repeat(at)).append('#').append("-".repeat(BAR - at - 1)).append("]     ");
    }
    line.append("  ").append(amount).append("   ");
    out.print(line);
    out.flush();
    barShown = true;
  }

  private void endBar() {
    if (barShown) {
      out.println();
      barShown = false;
    }
  }

  public void finish() {
    endBar();
    out.flush();
  }
}
