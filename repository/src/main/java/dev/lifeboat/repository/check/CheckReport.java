package dev.lifeboat.repository.check;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What a check of one repository found: what it looked at, what it read, and every problem, each
 * naming the object (a snapshot, a pack, an index file, a segment) and what is wrong with it. Notes
 * are facts worth knowing that are not damage (packs a writer left unindexed, a collection running).
 */
public final class CheckReport {
  /** One thing wrong: {@code object} names it ("snapshot 20260101T120000Z-3f9a1c (etcd/etcd)", "pack ab12..."). */
  public record Problem(String object, String reason) {
    @Override
    public String toString() {
      return object + ": " + reason;
    }
  }

  private final String store;
  private final List<Problem> problems = Collections.synchronizedList(new ArrayList<>());
  private final List<String> notes = Collections.synchronizedList(new ArrayList<>());
  long indexFiles;
  long packs;
  long chunks;
  long snapshots;
  long segments;
  long packsRead;
  long contentsHashed;
  long segmentsRead;
  long bytesRead;

  CheckReport(String store) {
    this.store = store;
  }

  void problem(String object, String reason) {
    problems.add(new Problem(object, reason));
  }

  void note(String note) {
    notes.add(note);
  }

  public String store() {
    return store;
  }

  public List<Problem> problems() {
    return List.copyOf(problems);
  }

  public List<String> notes() {
    return List.copyOf(notes);
  }

  /** True when the check found nothing wrong. */
  public boolean clean() {
    return problems.isEmpty();
  }

  public long snapshots() {
    return snapshots;
  }

  public long packs() {
    return packs;
  }

  public long chunks() {
    return chunks;
  }

  public long segments() {
    return segments;
  }

  public long packsRead() {
    return packsRead;
  }

  public long contentsHashed() {
    return contentsHashed;
  }

  public long bytesRead() {
    return bytesRead;
  }

  /** The summary a person reads: what was checked, then each problem on a line of its own. */
  public String summary() {
    StringBuilder out = new StringBuilder();
    out.append(String.format("%s: %d snapshots, %d index files, %d packs, %d chunks, %d change-log segments%n", store,
        snapshots, indexFiles, packs, chunks, segments));
    if (packsRead + contentsHashed + segmentsRead > 0) {
      out.append(String.format("read: %d packs (every chunk authenticated), %d files and streams hashed, %d segments, %s%n",
          packsRead, contentsHashed, segmentsRead, bytes(bytesRead)));
    }
    for (String note : notes()) {
      out.append("note: ").append(note).append('\n');
    }
    appendProblems(out, problems());
    return out.toString();
  }

  /** "no problems found", or how many and each on a line of its own: how every check ends its summary. */
  public static void appendProblems(StringBuilder out, List<Problem> found) {
    if (found.isEmpty()) {
      out.append("no problems found\n");
    } else {
      out.append(found.size()).append(found.size() == 1 ? " problem:\n" : " problems:\n");
      found.forEach(p -> out.append("  ").append(p).append('\n'));
    }
  }

  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format("%.1f %s", v, units[u]);
  }
}
