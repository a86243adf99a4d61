package dev.lifeboat.schemas.registry;

import java.util.Objects;

/**
 * One record of the registry's topic. Every instance applies the same records in the same order
 * to a {@link RegistryState}, so every instance reaches the same state.
 */
sealed interface RegistryRecord {

  /**
   * A proposal to register {@code schema} as {@code version} of {@code subject} under global id
   * {@code id}. It is accepted only if it still fits when applied (see {@link RegistryState}).
   * {@code proposal} is unique, so compaction never removes an accepted proposal.
   */
  record SchemaProposal(String proposal, String subject, int version, int id, String schema)
      implements RegistryRecord {
    public SchemaProposal {
      Objects.requireNonNull(proposal, "proposal");
      Objects.requireNonNull(subject, "subject");
      Objects.requireNonNull(schema, "schema");
    }
  }

  /**
   * Sets the compatibility level of {@code subject}, or the registry-wide level when the subject
   * is null; a null level removes the setting. The last record for a subject wins.
   */
  record ConfigChange(String subject, CompatibilityLevel level) implements RegistryRecord {}

  /** Soft-deletes every version of {@code subject} up to and including {@code upToVersion}. */
  record SubjectDeletion(String proposal, String subject, int upToVersion) implements RegistryRecord {
    public SubjectDeletion {
      Objects.requireNonNull(proposal, "proposal");
      Objects.requireNonNull(subject, "subject");
    }
  }
}
