package dev.lifeboat.commands;

import dev.lifeboat.commands.v1.Command;
import dev.lifeboat.commands.v1.Restore;
import dev.lifeboat.events.v1.ConflictPolicy;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.repository.controlplane.ControlPlaneSnapshots;
import dev.lifeboat.repository.resources.ResourceSnapshots;
import dev.lifeboat.restore.LabelSelector;
import dev.lifeboat.commands.RestoreData.Found;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Validates a Restore: its fields alone ({@link #fieldProblems}), then against the repository and
 * the target cluster ({@link #validate}), resolving what it restores.
 */
final class RestoreValidator {
  private static final java.util.regex.Pattern STORAGE_CLASS =
      java.util.regex.Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
  private final RestoreData data;
  private final TargetClusters targets;
  private final Clock clock;
  private final Duration skew;

  /** A validated restore, or the reason it was rejected. */
  record Checked(ValidatedRestore restore, String reason) {
    static Checked rejected(String reason) {
      return new Checked(null, reason);
    }
  }

  /** @param data null when this process has no master key (restores are then rejected) */
  RestoreValidator(RestoreData data, TargetClusters targets, Clock clock, Duration skew) {
    this.data = data;
    this.targets = targets;
    this.clock = clock;
    this.skew = skew;
  }

  RestoreData data() {
    return data;
  }

  static String subject(Restore r) {
    String source = r.getSnapshotId() != null ? "snapshot " + r.getSnapshotId()
        : r.getAtTime() != null ? "state at " + r.getAtTime() : "latest state";
    return r.getKind() + " " + source + (r.getNamespaces().isEmpty() ? "" : " " + r.getNamespaces());
  }

  static String subject(ValidatedRestore v) {
    return v.kind() + " " + v.source().describe() + (v.namespaces().isEmpty() ? "" : " " + v.namespaces());
  }

  /** What is wrong with the fields by themselves; empty when nothing is. */
  static List<String> fieldProblems(Restore r) {
    List<String> problems = new ArrayList<>();
    if (r.getSnapshotId() != null && r.getAtTime() != null) {
      problems.add("name a snapshot or an instant, not both");
    }
    if (r.getSnapshotId() != null && !r.getSnapshotId().matches("[A-Za-z0-9._-]{1,128}")) {
      problems.add("'" + r.getSnapshotId() + "' is not a snapshot id");
    }
    for (String ns : r.getNamespaces()) {
      if (!CommandValidator.DNS_LABEL.matcher(ns).matches()) {
        problems.add("namespace '" + ns + "' is not a valid namespace name (lower-case letters, digits and '-', at most 63)");
      }
    }
    Set<String> targetsSeen = new HashSet<>();
    new TreeMap<>(r.getNamespaceMapping()).forEach((from, to) -> {
      if (!CommandValidator.DNS_LABEL.matcher(from).matches() || !CommandValidator.DNS_LABEL.matcher(to).matches()) {
        problems.add("mapping " + from + "=" + to + " names an invalid namespace");
      } else if (from.equals(to)) {
        problems.add("mapping " + from + "=" + to + " maps a namespace onto itself");
      } else if (!r.getNamespaces().isEmpty() && !r.getNamespaces().contains(from)) {
        problems.add("mapping " + from + "=" + to + " maps a namespace that is not restored (restored: " + r.getNamespaces() + ")");
      }
      if (!targetsSeen.add(to)) {
        problems.add("two namespaces are mapped onto " + to);
      }
      if (!from.equals(to) && r.getNamespaceMapping().containsKey(to)) {
        problems.add("namespace " + to + " is both mapped onto and mapped elsewhere");
      }
    });
    for (String kind : r.getKinds()) {
      if (kind == null || !kind.matches("[A-Za-z0-9.-]{1,253}")) {
        problems.add("'" + kind + "' is not a kind name");
      }
    }
    if (r.getLabelSelector() != null && r.getLabelSelector().isBlank()) {
      problems.add("label selector: the label selector is empty (leave it out to restore every object)");
    } else if (r.getLabelSelector() != null) {
      try {
        new LabelSelector(r.getLabelSelector()); // the restore engine's grammar: what it accepts, it can carry out
      } catch (IllegalArgumentException e) {
        problems.add("label selector: " + e.getMessage());
      }
    }
    if (r.getTargetCluster() != null && r.getTargetCluster().isBlank()) {
      problems.add("the target cluster is blank: leave it out for the protected cluster");
    }
    switch (r.getKind()) {
      case VOLUME -> {
        if (r.getSnapshotId() == null && r.getVolumeTarget() == null) {
          problems.add("a volume restore names its snapshot (the volume is the snapshot's), or the volume target whose"
              + " newest snapshot it restores");
        }
        requirePath(r, problems);
      }
      case ETCD -> requirePath(r, problems);
      case RESOURCES -> {
        if (r.getTargetPath() != null) {
          problems.add("a resource restore goes to a cluster, not a path: targetPath is for volumes and etcd");
        }
      }
      default -> problems.add("unknown kind " + r.getKind());
    }
    if (r.getVolumeTarget() != null && r.getKind() != SnapshotKind.VOLUME) {
      problems.add("volumeTarget names a volume's snapshots: it goes with kind VOLUME, not " + r.getKind());
    } else if (r.getVolumeTarget() != null && !r.getVolumeTarget().matches("[A-Za-z0-9._:/-]{1,253}")) {
      problems.add("volumeTarget '" + r.getVolumeTarget() + "' is not a snapshot target");
    }
    new TreeMap<>(r.getStorageClassMapping()).forEach((from, to) -> {
      if (!STORAGE_CLASS.matcher(from).matches() || !STORAGE_CLASS.matcher(to).matches()) {
        problems.add("storage class mapping " + from + "=" + to + " names an invalid storage class (lower-case letters, "
            + "digits, '-' and '.', at most 253)");
      }
    });
    if (r.getKind() != SnapshotKind.RESOURCES && (!r.getNamespaceMapping().isEmpty() || !r.getKinds().isEmpty()
        || r.getLabelSelector() != null || !r.getStorageClassMapping().isEmpty())) {
      problems.add("namespace and storage class mappings, kinds and label selectors apply to resource restores only");
    }
    return problems;
  }

  private static void requirePath(Restore r, List<String> problems) {
    if (r.getTargetPath() == null || r.getTargetPath().isBlank()) {
      problems.add("a " + r.getKind() + " restore needs targetPath: where to write it");
    } else if (!Path.of(r.getTargetPath()).isAbsolute()) {
      problems.add("targetPath '" + r.getTargetPath() + "' is not absolute");
    } else if (!Path.of(r.getTargetPath()).normalize().equals(Path.of(r.getTargetPath()))) {
      // a path that climbs out of where it seems to point is a mistake or a trick: name it as meant
      problems.add("targetPath '" + r.getTargetPath() + "' has . or .. in it; give it as "
          + Path.of(r.getTargetPath()).normalize());
    }
  }

  /** Resolves what the restore reads and checks it against the repository and the target. */
  Checked validate(Command command, Restore r) throws Exception {
    return validate(command.getCommandId(), command.getRequestedBy(), r);
  }

  /** As {@link #validate(Command, Restore)}, for a restore that is not a command on the topic ({@link DirectRestore}). */
  Checked validate(String commandId, String requestedBy, Restore r) throws Exception {
    String target = targets.resolve(r.getTargetCluster());
    if (!targets.isKnown(r.getTargetCluster())) {
      return Checked.rejected("unknown target cluster '" + target + "'; known: " + targets.known());
    }
    if (data == null) {
      return Checked.rejected("this Lifeboat process has no repository master key (snapshotter.masterKey), so it cannot"
          + " read backups to restore");
    }
    if (data.repository().isEmpty()) {
      return Checked.rejected("there is nothing to restore yet: the repository does not exist (no snapshot was taken)");
    }
    Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    ValidatedRestore.Source source;
    if (r.getSnapshotId() != null) {
      Optional<Found> found = data.snapshot(r.getSnapshotId());
      if (found.isEmpty()) {
        return Checked.rejected("unknown snapshot " + r.getSnapshotId() + ": the repository has no manifest of that id");
      }
      SnapshotKind kind = found.get().manifest().kind();
      if (r.getKind() != kind) {
        return Checked.rejected("snapshot " + r.getSnapshotId() + " is a " + kind + " snapshot, not " + r.getKind());
      }
      if (!data.cluster().equals(found.get().manifest().cluster())) {
        return Checked.rejected("snapshot " + r.getSnapshotId() + " is of cluster " + found.get().manifest().cluster()
            + ", not " + data.cluster());
      }
      if (r.getVolumeTarget() != null && !ofTarget(found.get().manifest().target(), r.getVolumeTarget())) {
        return Checked.rejected("snapshot " + r.getSnapshotId() + " is of " + found.get().manifest().target() + ", not "
            + describeTarget(r.getVolumeTarget()));
      }
      source = new ValidatedRestore.Snapshot(found.get());
    } else {
      Instant at = r.getAtTime() != null ? r.getAtTime() : now;
      if (at.isAfter(now.plus(skew))) {
        return Checked.rejected("the instant " + at + " is in the future (now: " + now + ")");
      }
      Checked missing = r.getKind() == SnapshotKind.RESOURCES ? checkResourceInstant(at, r.getAtTime() != null) : null;
      if (missing != null) {
        return missing;
      }
      if (r.getKind() == SnapshotKind.ETCD) {
        Optional<Found> found = data.newestAtOrBefore(SnapshotKind.ETCD, at);
        if (found.isEmpty()) {
          Optional<Instant> oldest = data.oldestOf(SnapshotKind.ETCD);
          return Checked.rejected(oldest.isPresent()
              ? "the instant " + at + " is before the oldest retained data: the oldest etcd snapshot is from " + oldest.get()
              : "there is no etcd snapshot of cluster " + data.cluster() + " yet");
        }
        source = new ValidatedRestore.Snapshot(found.get());
      } else if (r.getKind() == SnapshotKind.VOLUME) {
        Optional<Found> found = data.newestAtOrBefore(SnapshotKind.VOLUME, r.getVolumeTarget(), at);
        if (found.isEmpty()) {
          return Checked.rejected("there is no snapshot of " + describeTarget(r.getVolumeTarget()) + " of cluster "
              + data.cluster() + " taken at or before " + at);
        }
        source = new ValidatedRestore.Snapshot(found.get());
      } else {
        source = new ValidatedRestore.StateAt(at, r.getAtTime() == null);
      }
    }
    if (r.getKind() == SnapshotKind.RESOURCES && r.getConflictPolicy() == ConflictPolicy.SKIP) {
      for (Map.Entry<String, String> mapping : new TreeMap<>(r.getNamespaceMapping()).entrySet()) {
        if (targets.namespaceExists(r.getTargetCluster(), mapping.getValue())) {
          return Checked.rejected("namespace " + mapping.getValue() + " already exists in cluster " + target + ": with"
              + " conflict policy SKIP, objects of " + mapping.getKey() + " would be skipped wherever " + mapping.getValue()
              + " has one of the same name, mixing old and new; map onto a new namespace, or use conflict policy UPDATE");
        }
      }
    }
    return new Checked(new ValidatedRestore(commandId, requestedBy, data.cluster(), r.getKind(),
        source, r.getNamespaces(), r.getKinds(), r.getLabelSelector(), r.getNamespaceMapping(), target, r.getTargetPath(),
        r.getConflictPolicy(), r.getDryRun(), r.getStorageClassMapping(),
        r.getKind() == SnapshotKind.RESOURCES && r.getVolumeData()), null);
  }

  /** Whether a snapshot of {@code target} is one {@code volumeTarget} asks for (ending in '/': any target under it). */
  static boolean ofTarget(String target, String volumeTarget) {
    return volumeTarget.endsWith("/") ? target.startsWith(volumeTarget) : target.equals(volumeTarget);
  }

  private static String describeTarget(String volumeTarget) {
    if (volumeTarget.equals(ControlPlaneSnapshots.TARGET_PREFIX)) {
      return "the control plane (" + ControlPlaneSnapshots.TARGET_PREFIX + "<node>)";
    }
    return volumeTarget.endsWith("/") ? "a volume target under " + volumeTarget : "volume target " + volumeTarget;
  }

  /** Null when resources at {@code at} can be rebuilt, else the rejection. */
  private Checked checkResourceInstant(Instant at, boolean named) throws Exception {
    Optional<Instant> oldest = data.oldestResourceInstant();
    if (oldest.isEmpty()) {
      return Checked.rejected("there is no resource data of cluster " + data.cluster() + " yet: no resource snapshot"
          + " of the whole cluster ('" + ResourceSnapshots.WHOLE_CLUSTER + "') and no complete change-log archive");
    }
    if (named && at.isBefore(oldest.get())) {
      return Checked.rejected("the instant " + at + " is before the oldest retained data: the resources of cluster "
          + data.cluster() + " can be rebuilt from " + oldest.get() + " on");
    }
    return null;
  }
}
