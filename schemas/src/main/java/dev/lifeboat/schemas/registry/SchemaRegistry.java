package dev.lifeboat.schemas.registry;

import java.util.List;
import java.util.Optional;
import org.apache.avro.Schema;

/**
 * What Lifeboat needs of a Confluent-compatible schema registry. {@link HttpSchemaRegistryClient}
 * speaks the registry's REST API; every method may throw {@link RegistryException} (the registry
 * answered with an error) or {@link RegistryUnavailableException} (it could not be reached).
 */
public interface SchemaRegistry {

  /** Registers {@code schema} under {@code subject} (idempotent) and returns its global id. */
  int register(String subject, Schema schema);

  /** The schema with this global id. Throws {@link RegistryException} with error code 40403 if unknown. */
  Schema schemaById(int id);

  /** The version of {@code subject} that holds {@code schema}, if it was registered there. */
  Optional<SubjectVersion> lookup(String subject, Schema schema);

  /** The registered versions of a subject, ascending; empty if the subject is unknown. */
  List<Integer> versions(String subject);

  /** One version of a subject; {@code -1} means the latest. */
  SubjectVersion version(String subject, int version);

  /** Whether {@code schema} may be registered as the next version of {@code subject}. */
  boolean isCompatible(String subject, Schema schema);

  /** All subjects, sorted. */
  List<String> subjects();

  /** The registry-wide compatibility level, e.g. BACKWARD. */
  String globalCompatibility();

  void setGlobalCompatibility(String level);

  /** The level set for this subject, if one was set (no fall-back to the global level). */
  Optional<String> subjectCompatibility(String subject);

  void setSubjectCompatibility(String subject, String level);

  /** A registered version of a subject. */
  record SubjectVersion(String subject, int version, int id, Schema schema) {}
}
