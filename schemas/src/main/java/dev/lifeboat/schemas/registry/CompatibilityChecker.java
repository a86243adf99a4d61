package dev.lifeboat.schemas.registry;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * Checks a candidate schema against the earlier versions of a subject with Avro's
 * {@link SchemaCompatibility}, and words what is wrong the way Confluent's registry does.
 */
final class CompatibilityChecker {

  private CompatibilityChecker() {}

  /** An earlier version of the subject. */
  record EarlierVersion(int version, Schema schema) {}

  /**
   * What makes {@code candidate} unacceptable as the next version after {@code earlier} (oldest
   * first) under {@code level}; empty if it is acceptable. Non-transitive levels look at the last
   * element only; transitive ones at every element, newest first, reporting the first that fails.
   */
  static List<String> check(CompatibilityLevel level, Schema candidate, List<EarlierVersion> earlier) {
    if (level == CompatibilityLevel.NONE || earlier.isEmpty()) {
      return List.of();
    }
    int oldest = level.transitive() ? 0 : earlier.size() - 1;
    for (int i = earlier.size() - 1; i >= oldest; i--) {
      EarlierVersion previous = earlier.get(i);
      List<String> problems = new ArrayList<>();
      if (level.backward()) {
        problems.addAll(describe(candidate, previous.schema(),
            "The new schema cannot read data written with the old schema"));
      }
      if (level.forward()) {
        problems.addAll(describe(previous.schema(), candidate,
            "The old schema cannot read data written with the new schema"));
      }
      if (!problems.isEmpty()) {
        problems.add("{oldSchemaVersion: " + previous.version() + "}");
        problems.add("{oldSchema: '" + previous.schema() + "'}");
        problems.add("{compatibility: '" + level.name() + "'}");
        return problems;
      }
    }
    return List.of();
  }

  private static List<String> describe(Schema reader, Schema writer, String direction) {
    SchemaCompatibility.SchemaCompatibilityResult result =
        SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult();
    if (result.getCompatibility() == SchemaCompatibilityType.COMPATIBLE) {
      return List.of();
    }
    List<String> problems = new ArrayList<>();
    for (Incompatibility incompatibility : result.getIncompatibilities()) {
      problems.add("{errorType:'" + incompatibility.getType() + "', description:'" + direction
          + " at path '" + incompatibility.getLocation() + "'', additionalInfo:'"
          + incompatibility.getMessage() + "'}");
    }
    return problems;
  }
}
