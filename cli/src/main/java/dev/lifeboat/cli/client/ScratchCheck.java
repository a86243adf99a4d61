package dev.lifeboat.cli.client;

import dev.lifeboat.kube.ScratchInventory;
import dev.lifeboat.kube.ScratchInventory.ScratchDirectory;
import dev.lifeboat.kube.ScratchInventory.ScratchNamespace;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What verifications left behind. A verification removes its scratch namespaces and directory when it
 * ends, and the verifier removes what a stopped process left when it starts and before each
 * verification. So a scratch namespace or directory is a problem when the verification that made it
 * has ended (its {@code SnapshotVerified} names it as where it restored), or when it is older than
 * the verifier's last start (that start's sweep should have removed it). Anything else belongs to a
 * verification under way: noted with its age. A namespace the API is deleting is noted, not a problem.
 */
final class ScratchCheck {
  /** A creationTimestamp has whole seconds: a namespace is older than an instant only when its second ended before it. */
  private static final java.time.Duration RESOLUTION = java.time.Duration.ofSeconds(1);

  private final ScratchInventory space;
  private final PipelineReport report;

  ScratchCheck(ScratchInventory space, PipelineReport report) {
    this.space = space;
    this.report = report;
  }

  /**
   * @param ended where ended verifications restored ({@code SnapshotVerified.scratchTarget}, which names
   *     the scratch namespaces and the scratch directory)
   * @param verifierStarted the verifier's last start, null when the audit topic does not hold it
   */
  void run(List<String> ended, Instant verifierStarted, Instant now) {
    namespaces(ended, verifierStarted, now);
    directories(ended, verifierStarted, now);
  }

  private void namespaces(List<String> ended, Instant verifierStarted, Instant now) {
    List<ScratchNamespace> namespaces;
    try {
      namespaces = space.namespaces();
    } catch (RuntimeException e) {
      report.problem("scratch namespaces in " + space.describeCluster(), "cannot be listed, so leftovers were not looked for: "
          + e.getMessage());
      return;
    }
    report.count("scratch namespaces", namespaces.size());
    for (ScratchNamespace ns : namespaces) {
      String object = "scratch namespace " + ns.name();
      if (ns.terminating()) {
        report.note(object + " (verification " + ns.verificationId() + ") is being deleted");
      } else if (named(ended, ns.name())) {
        report.problem(object, "verification " + ns.verificationId() + " ended (its SnapshotVerified names it) but left it behind");
      } else if (verifierStarted != null && ns.created() != null && olderThan(ns.created(), verifierStarted)) {
        report.problem(object, "made at " + ns.created() + " by a verifier process that stopped; the sweep when the verifier"
            + " started again at " + verifierStarted + " did not remove it");
      } else {
        report.note(object + " belongs to a verification under way (made " + age(ns.created(), now) + ")");
      }
    }
  }

  private void directories(List<String> ended, Instant verifierStarted, Instant now) {
    Optional<List<ScratchDirectory>> listed;
    try {
      listed = space.directories();
    } catch (RuntimeException e) {
      report.problem("scratch directory " + space.directory(), "cannot be listed, so leftovers were not looked for: "
          + e.getMessage());
      return;
    }
    if (listed.isEmpty()) {
      report.note("scratch directory " + space.directory() + " is not on this machine (or no verification used it yet):"
          + " its leftovers were not looked for; run the check where the verifier runs");
      return;
    }
    report.count("scratch directories", listed.get().size());
    for (ScratchDirectory d : listed.get()) {
      String object = "scratch directory " + d.path();
      if (named(ended, d.path().toString())) {
        report.problem(object, "verification " + d.verificationId() + " ended (its SnapshotVerified names it) but left it behind");
      } else if (verifierStarted != null && d.modified() != null && olderThan(d.modified(), verifierStarted)) {
        report.problem(object, "last changed at " + d.modified() + ", before the verifier started again at " + verifierStarted
            + ", whose sweep did not remove it");
      } else {
        report.note(object + " belongs to a verification under way (changed " + age(d.modified(), now) + ")");
      }
    }
  }

  /** Whether an ended verification's scratch target names {@code what} (a namespace name or a path) as a whole word. */
  private static boolean named(List<String> ended, String what) {
    for (String target : ended) {
      int at = target.indexOf(what);
      while (at >= 0) {
        int end = at + what.length();
        boolean startsWord = at == 0 || " ,".indexOf(target.charAt(at - 1)) >= 0;
        boolean endsWord = end == target.length() || " ,/".indexOf(target.charAt(end)) >= 0;
        if (startsWord && endsWord) {
          return true;
        }
        at = target.indexOf(what, at + 1);
      }
    }
    return false;
  }

  private static boolean olderThan(Instant at, Instant instant) {
    return !at.plus(RESOLUTION).isAfter(instant);
  }

  private static String age(Instant at, Instant now) {
    return at == null ? "at an unknown time" : java.time.Duration.between(at, now).toSeconds() + " s ago";
  }
}
