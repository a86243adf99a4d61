package dev.lifeboat.restore;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Told about every object a restore handled, with the object as it was sent to the target (after
 * unsealing and transforms; null when it was skipped before that) and the fields the plan changed
 * on purpose (its object labels, the inert transform), each with the snapshot's value. The
 * verifier reads the created objects back and compares them with the snapshot's, those fields
 * aside. Called from the restoring threads.
 */
@FunctionalInterface
public interface ObjectListener {
  ObjectListener NONE = (outcome, sent, changes) -> {};

  void handled(ResourceRestoreReport.Outcome outcome, ObjectNode sent, List<FieldChange> changes);
}
