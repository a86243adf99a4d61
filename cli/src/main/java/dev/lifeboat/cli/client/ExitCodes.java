package dev.lifeboat.cli.client;

import dev.lifeboat.events.v1.AuditOutcome;

/** What the client commands exit with. */
public final class ExitCodes {
  /** The command succeeded, or was sent (without --wait). */
  public static final int OK = 0;
  /** Lifeboat could not be reached, or another error. */
  public static final int ERROR = 1;
  /** A usage or configuration error: nothing was sent. */
  public static final int USAGE = 2;
  /** The command was rejected (the reason is printed). */
  public static final int REJECTED = 3;
  /** The command failed. */
  public static final int FAILED = 4;
  /** The command finished, but partially failed. */
  public static final int PARTIALLY_FAILED = 5;
  /** --wait gave up before the command finished (it may still finish). */
  public static final int TIMED_OUT = 6;

  private ExitCodes() {}

  public static int of(AuditOutcome terminal) {
    return switch (terminal) {
      case SUCCEEDED -> OK;
      case REJECTED -> REJECTED;
      case PARTIALLY_FAILED -> PARTIALLY_FAILED;
      default -> FAILED;
    };
  }

  /** For --help. */
  public static final String DESCRIPTION = "Exit codes: 0 succeeded (or sent, without --wait), 1 error, 2 usage or"
      + " configuration error, 3 rejected, 4 failed, 5 partially failed, 6 timed out waiting.";
}
