package dev.lifeboat.commands;

import dev.lifeboat.events.v1.AuditOutcome;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Carries out a validated Restore. Implementations report progress, check the token between steps
 * (throwing {@link CancellationToken.CancelledException} when it is cancelled), and return what was
 * done. An exception other than cancellation fails the command with its message.
 */
public interface RestoreService {

  Result restore(ValidatedRestore restore, Progress progress, CancellationToken cancellation) throws Exception;

  /**
   * What a restore did.
   *
   * @param outcome SUCCEEDED, PARTIALLY_FAILED or FAILED
   * @param summary one sentence for the finished event's reason
   * @param counts what was done, by name (objects, created, skipped, failed, files, bytes ...)
   * @param details other facts (the snapshot read, gaps in the change log ...)
   */
  record Result(AuditOutcome outcome, String summary, Map<String, Long> counts, Map<String, String> details) {
    public Result {
      counts = Collections.unmodifiableMap(new LinkedHashMap<>(counts));
      details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    /** The command's outcome: counts and details together in the finished event's details. */
    CommandOutcome toOutcome() {
      Map<String, String> all = new LinkedHashMap<>();
      counts.forEach((k, v) -> all.put(k, Long.toString(v)));
      all.putAll(details);
      return new CommandOutcome(outcome, summary, all);
    }
  }
}
