package dev.lifeboat.cli.client;

import dev.lifeboat.repository.check.CheckReport;
import dev.lifeboat.repository.check.CheckReport.Problem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What {@code lifeboat check --pipeline} found: what it compared, notes, and each problem with its object. */
public final class PipelineReport {
  private final List<Problem> problems = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private final Map<String, Long> counts = new LinkedHashMap<>();

  void problem(String object, String reason) {
    problems.add(new Problem(object, reason));
  }

  void note(String note) {
    notes.add(note);
  }

  void count(String what, long n) {
    counts.merge(what, n, Long::sum);
  }

  public List<Problem> problems() {
    return List.copyOf(problems);
  }

  public List<String> notes() {
    return List.copyOf(notes);
  }

  /** How many of {@code what} were compared ("snapshots completed", "changes archived", ...). */
  public long count(String what) {
    return counts.getOrDefault(what, 0L);
  }

  public boolean clean() {
    return problems.isEmpty();
  }

  public String summary() {
    StringBuilder out = new StringBuilder("pipeline:");
    counts.forEach((what, n) -> out.append(' ').append(n).append(' ').append(what).append(','));
    out.setLength(out.length() - 1);
    out.append('\n');
    notes.forEach(n -> out.append("note: ").append(n).append('\n'));
    CheckReport.appendProblems(out, problems);
    return out.toString();
  }
}
