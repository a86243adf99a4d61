package dev.lifeboat.commands;

import dev.lifeboat.events.v1.AuditOutcome;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a command ended: SUCCEEDED, PARTIALLY_FAILED or FAILED, why (in words a person can act on),
 * and the counts and facts that go into the finished audit event's details.
 */
public record CommandOutcome(AuditOutcome outcome, String reason, Map<String, String> details) {

  public CommandOutcome {
    if (outcome != AuditOutcome.SUCCEEDED && outcome != AuditOutcome.PARTIALLY_FAILED && outcome != AuditOutcome.FAILED) {
      throw new IllegalArgumentException("a command ends SUCCEEDED, PARTIALLY_FAILED or FAILED, not " + outcome);
    }
    details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
  }

  public static CommandOutcome succeeded(String reason, Map<String, String> details) {
    return new CommandOutcome(AuditOutcome.SUCCEEDED, reason, details);
  }

  public static CommandOutcome partiallyFailed(String reason, Map<String, String> details) {
    return new CommandOutcome(AuditOutcome.PARTIALLY_FAILED, reason, details);
  }

  public static CommandOutcome failed(String reason, Map<String, String> details) {
    return new CommandOutcome(AuditOutcome.FAILED, reason, details);
  }

  public static CommandOutcome failed(String reason) {
    return failed(reason, Map.of());
  }
}
