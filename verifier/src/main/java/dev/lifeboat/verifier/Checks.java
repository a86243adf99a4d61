package dev.lifeboat.verifier;

import dev.lifeboat.events.v1.VerificationCheck;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The checks of one verification as they are made, each with what it expected, saw and its evidence. */
final class Checks {
  private final List<VerificationCheck> checks = new ArrayList<>();

  /** Adds a check; evidence values are turned into strings. */
  Checks add(String name, boolean passed, Object expected, Object actual, Map<String, ?> evidence) {
    Map<String, String> text = new LinkedHashMap<>();
    evidence.forEach((k, v) -> text.put(k, String.valueOf(v)));
    checks.add(VerificationCheck.newBuilder().setName(name).setPassed(passed)
        .setExpected(expected == null ? null : String.valueOf(expected))
        .setActual(actual == null ? null : String.valueOf(actual)).setEvidence(text).build());
    return this;
  }

  boolean passed() {
    return !checks.isEmpty() && checks.stream().allMatch(VerificationCheck::getPassed);
  }

  List<VerificationCheck> list() {
    return List.copyOf(checks);
  }

  /** What failed, in a sentence: {@code chunk-integrity: chunk 3fa4… is corrupted; objects-equal: …}. */
  String failureSummary() {
    StringBuilder out = new StringBuilder();
    for (VerificationCheck c : checks) {
      if (!c.getPassed()) {
        if (out.length() > 0) {
          out.append("; ");
        }
        String reason = c.getEvidence().getOrDefault("reason", "expected " + c.getExpected() + ", found " + c.getActual());
        out.append(c.getName()).append(": ").append(reason);
      }
    }
    return out.length() > 500 ? out.substring(0, 500) + "..." : out.toString();
  }
}
