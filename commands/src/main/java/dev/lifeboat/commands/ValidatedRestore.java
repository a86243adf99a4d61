package dev.lifeboat.commands;

import dev.lifeboat.events.v1.ConflictPolicy;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.commands.RestoreData.Found;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A Restore command that passed validation, with what it restores resolved: a stored snapshot, or
 * (resources only) the state at an instant. Everything a {@link RestoreService} needs.
 *
 * @param cluster the protected cluster the data was taken from
 * @param source where the data comes from
 * @param namespaces namespaces to restore; empty: all
 * @param kinds object kinds (kubectl names); empty: all
 * @param labelSelector null: every object
 * @param namespaceMapping source namespace to target namespace
 * @param targetCluster the target's name (the protected cluster's own name when none was given)
 * @param targetPath for volumes and etcd: where the data goes, on the machine running the commands worker
 * @param storageClassMapping source storage class to the target's, for restored claims
 * @param volumeData fill the claims a resource restore creates with their volume data
 */
public record ValidatedRestore(
    String commandId,
    String requestedBy,
    String cluster,
    SnapshotKind kind,
    Source source,
    List<String> namespaces,
    List<String> kinds,
    String labelSelector,
    Map<String, String> namespaceMapping,
    String targetCluster,
    String targetPath,
    ConflictPolicy conflictPolicy,
    boolean dryRun,
    Map<String, String> storageClassMapping,
    boolean volumeData) {

  public ValidatedRestore {
    namespaces = List.copyOf(namespaces);
    kinds = List.copyOf(kinds);
    namespaceMapping = Map.copyOf(namespaceMapping);
    storageClassMapping = Map.copyOf(storageClassMapping);
  }

  /** Where a restore reads. */
  public sealed interface Source permits Snapshot, StateAt {
    /** Words for audit events: {@code snapshot <id>} or {@code state at <instant>}. */
    String describe();
  }

  /** A stored snapshot. */
  public record Snapshot(Found found) implements Source {
    public String snapshotId() {
      return found.manifest().snapshotId();
    }

    @Override
    public String describe() {
      return "snapshot " + snapshotId();
    }
  }

  /**
   * The resources as they were at an instant: the nearest resource snapshot plus the archived changes
   * up to it ({@code latest}: the newest data there is, at the time the command was accepted).
   */
  public record StateAt(Instant at, boolean latest) implements Source {
    @Override
    public String describe() {
      return latest ? "latest state (" + at + ")" : "state at " + at;
    }
  }

  /** The namespace an object of {@code namespace} is restored into. */
  public String targetNamespace(String namespace) {
    return namespaceMapping.getOrDefault(namespace, namespace);
  }
}
