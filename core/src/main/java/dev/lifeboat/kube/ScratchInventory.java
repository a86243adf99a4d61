package dev.lifeboat.kube;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What is in a verifier's scratch space right now: its scratch namespaces (labelled {@link
 * LifeboatLabels#SCRATCH}) and the directories of its verifications. The verifier provides it; {@code
 * lifeboat check --pipeline} reads it to find what was left behind, without depending on the verifier.
 */
public interface ScratchInventory {
  /** A scratch namespace: its name, the verification that made it, when, and whether its deletion is under way. */
  record ScratchNamespace(String name, String verificationId, Instant created, boolean terminating) {}

  /** A verification's scratch directory and when it was last changed. */
  record ScratchDirectory(Path path, String verificationId, Instant modified) {}

  /** How messages name the cluster scratch namespaces are made in. */
  String describeCluster();

  /** The scratch directory (on the machine the verifier runs on). */
  Path directory();

  /** Every scratch namespace; throws when the cluster cannot be reached. */
  List<ScratchNamespace> namespaces();

  /** The verifications' directories; empty when the scratch directory does not exist on this machine. */
  Optional<List<ScratchDirectory>> directories();
}
