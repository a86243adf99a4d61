package dev.lifeboat.cli;

import dev.lifeboat.cli.client.AuditFollower;
import dev.lifeboat.cli.client.CommandProgress;
import dev.lifeboat.cli.client.CommandSender;
import dev.lifeboat.cli.client.Connection;
import dev.lifeboat.cli.client.ExitCodes;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.schemas.audit.AuditActions;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import picocli.CommandLine.Option;

/** Sends a command and, with --wait, follows its audit events until it finishes. */
final class CommandFollowing {
  private static final Duration NO_ANSWER_HINT = Duration.ofSeconds(30);

  @Option(names = "--wait", description = "Follow the command until it finishes (a progress bar on a terminal) and exit with its outcome.")
  boolean wait;

  @Option(names = "--timeout", defaultValue = "1h", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "How long --wait waits: 90s, 15m, 2h or ISO-8601 (default: ${DEFAULT-VALUE}); the command itself goes on.")
  Duration timeout;

  /** Durations as the configuration writes them (30s, 5m, 1h, 7d) or ISO-8601. */
  static final class DurationConverter implements picocli.CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return dev.lifeboat.config.Field.parseDuration(value);
    }
  }

  @Option(names = "--requested-by", paramLabel = "WHO", description = "Who the command is recorded as coming from (default: the current user).")
  String requestedBy;

  /** Whether --wait was given (a command run here, not sent, has nothing to follow). */
  boolean waits() {
    return wait;
  }

  /** Who the command comes from: --requested-by, else the current user. */
  String requestedBy() {
    return requestedBy != null ? requestedBy : CommandSender.currentUser();
  }

  int send(Connection connection, Object action, PrintWriter out) throws Exception {
    String who = requestedBy != null ? requestedBy : CommandSender.currentUser();
    if (!wait) {
      String id = CommandSender.send(connection, action, who);
      out.println("Command " + id + " sent. Follow it with: lifeboat audit tail --follow --correlation-id " + id);
      out.flush();
      return ExitCodes.OK;
    }
    try (AuditFollower follower = AuditFollower.fromNow(connection)) {
      String id = CommandSender.send(connection, action, who);
      out.println("Command " + id + " sent; following it (up to " + timeout + ")");
      out.flush();
      CommandProgress progress = new CommandProgress(out, CommandProgress.stdoutIsTerminal());
      AuditOutcome[] terminal = {null};
      boolean[] answered = {false};
      java.util.function.Predicate<dev.lifeboat.events.v1.AuditEvent> each = event -> {
        if (!id.equals(event.getHeader().getCorrelationId())) {
          return true;
        }
        answered[0] = true;
        progress.show(event);
        if (AuditActions.isCommandEvent(event) && AuditActions.isTerminal(event.getOutcome())) {
          terminal[0] = event.getOutcome();
          return false;
        }
        return true;
      };
      Instant deadline = Instant.now().plus(timeout);
      Instant hint = Instant.now().plus(NO_ANSWER_HINT);
      if (hint.isBefore(deadline) && !follower.follow(each, hint, false) && !answered[0]) {
        out.println("No answer after " + NO_ANSWER_HINT.toSeconds() + " s: is a Lifeboat process with the commands worker"
            + " running (lifeboat demo, lifeboat run)? Still waiting.");
        out.flush();
      }
      if (terminal[0] == null) {
        follower.follow(each, deadline, false);
      }
      progress.finish();
      if (terminal[0] == null) {
        out.println("Gave up waiting after " + timeout + "; the command may still finish: lifeboat audit tail --follow"
            + " --correlation-id " + id);
        out.flush();
        return ExitCodes.TIMED_OUT;
      }
      return ExitCodes.of(terminal[0]);
    }
  }
}
