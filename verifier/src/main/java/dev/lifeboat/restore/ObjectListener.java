package dev.lifeboat.restore;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Told about every object a restore handled, with the object as it was sent to the target (after
 * unsealing and transforms; null when it was skipped before that). The verifier reads the created
 * objects back and compares them with what was sent. Called from the restoring threads.
 */
@FunctionalInterface
public interface ObjectListener {
  ObjectListener NONE = (outcome, sent) -> {};

  void handled(ResourceRestoreReport.Outcome outcome, ObjectNode sent);
}
