package dev.lifeboat.cli;

import dev.lifeboat.cli.client.AuditFollower;
import dev.lifeboat.cli.client.AuditLines;
import dev.lifeboat.cli.client.ExitCodes;
import dev.lifeboat.cli.client.TimeArgument;
import dev.lifeboat.events.v1.AuditEvent;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "audit", mixinStandardHelpOptions = true, description = "Reads the audit trail (lifeboat.audit).",
    subcommands = AuditCommand.Tail.class)
final class AuditCommand {

  @Command(name = "tail", mixinStandardHelpOptions = true,
      description = {"Prints audit events: every command accepted or rejected, started, progressing and finished; every",
          "snapshot, dead letter, component start and stop. One line each: time (UTC), outcome, action, subject,",
          "[correlation id], reason, (details)."})
  static final class Tail extends ClientCommand {
    @Option(names = "--since", defaultValue = "1h", paramLabel = "TIME",
        description = "From this time: ISO-8601 (2026-01-01T12:00:00Z) or a time ago (15m, 2h, 7d); default: ${DEFAULT-VALUE}.")
    String since;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new events until interrupted.")
    boolean follow;

    @Option(names = "--correlation-id", paramLabel = "ID", description = "Only events with this correlation id (a command id, a snapshot request id).")
    String correlationId;

    @Option(names = "--action", paramLabel = "PREFIX", description = "Only events whose action starts with this (command., snapshot., record.dead-lettered).")
    String action;

    @Override
    public Integer call() {
      Instant from;
      try {
        from = TimeArgument.parse(since, Clock.systemUTC());
      } catch (IllegalArgumentException e) {
        throw usage("--since: " + e.getMessage());
      }
      PrintWriter out = out();
      List<AuditEvent> past = new ArrayList<>();
      try (AuditFollower follower = AuditFollower.since(client.connection(), from)) {
        // what is on the topic now, in time order across its partitions; then, with --follow, as it comes
        follower.follow(event -> {
          if (matches(event)) {
            past.add(event);
          }
          return true;
        }, null, true);
        past.sort(Comparator.comparing(e -> e.getHeader().getTime()));
        past.forEach(e -> out.println(AuditLines.format(e, correlationId == null)));
        out.flush();
        if (follow) {
          follower.follow(event -> {
            if (matches(event)) {
              out.println(AuditLines.format(event, correlationId == null));
              out.flush();
            }
            return true;
          }, null, false);
        }
      }
      return ExitCodes.OK;
    }

    private boolean matches(AuditEvent event) {
      return (correlationId == null || correlationId.equals(event.getHeader().getCorrelationId()))
          && (action == null || event.getAction().startsWith(action));
    }
  }
}
