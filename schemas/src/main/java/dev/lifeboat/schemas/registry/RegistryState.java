package dev.lifeboat.schemas.registry;

import dev.lifeboat.schemas.registry.CompatibilityChecker.EarlierVersion;
import dev.lifeboat.schemas.registry.RegistryRecord.ConfigChange;
import dev.lifeboat.schemas.registry.RegistryRecord.SchemaProposal;
import dev.lifeboat.schemas.registry.RegistryRecord.SubjectDeletion;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The registry's contents, built by applying the records of its topic in order. Applying is a
 * deterministic function of the records alone, so every instance that read the same records holds
 * the same state; this is what lets several instances share one topic without a leader.
 *
 * <p>A {@link SchemaProposal} is accepted only if, at the moment it is applied, its version is
 * exactly one more than the highest version of the subject (deleted versions included), the
 * schema is not already a live version of the subject, and its id is consistent: the id the
 * schema already has, or an id no other schema has. Otherwise it is ignored, and its proposer
 * tries again with fresh numbers. Config changes always apply; the last one wins.
 *
 * <p>Thread-safe: one thread applies records while request threads read.
 */
final class RegistryState {

  /** One version of a subject. */
  record StoredVersion(String subject, int version, int id, CanonicalSchema schema, boolean deleted) {}

  /** What registering a schema under a subject would take, given the current state. */
  sealed interface RegistrationPlan {
    /** The schema already is a live version of the subject. */
    record AlreadyRegistered(int id, int version) implements RegistrationPlan {}

    /** The schema may not follow the subject's versions under its compatibility level. */
    record Incompatible(List<String> problems) implements RegistrationPlan {}

    /** Propose the schema as this version, under this id. */
    record Propose(int version, int id) implements RegistrationPlan {}
  }

  private final Map<String, List<StoredVersion>> subjects = new TreeMap<>();
  private final Map<Integer, CanonicalSchema> schemasById = new HashMap<>();
  private final Map<String, Integer> idsBySchema = new HashMap<>();
  private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
  private CompatibilityLevel globalLevel;
  private int maxId;

  /**
   * Applies one record of the topic.
   *
   * @return whether the record changed the state (false for a rejected proposal)
   */
  synchronized boolean apply(RegistryRecord record) {
    if (record instanceof SchemaProposal proposal) {
      return applyProposal(proposal);
    }
    if (record instanceof ConfigChange change) {
      if (change.subject() == null) {
        globalLevel = change.level();
      } else if (change.level() == null) {
        subjectLevels.remove(change.subject());
      } else {
        subjectLevels.put(change.subject(), change.level());
      }
      return true;
    }
    if (record instanceof SubjectDeletion deletion) {
      return applyDeletion(deletion);
    }
    return false;
  }

  private boolean applyProposal(SchemaProposal proposal) {
    List<StoredVersion> versions = subjects.getOrDefault(proposal.subject(), List.of());
    if (proposal.version() != maxVersion(versions) + 1 || proposal.id() <= 0) {
      return false;
    }
    Integer knownId = idsBySchema.get(proposal.schema());
    CanonicalSchema schema;
    if (knownId != null) {
      if (knownId != proposal.id()) {
        return false;
      }
      schema = schemasById.get(knownId);
    } else {
      if (schemasById.containsKey(proposal.id())) {
        return false;
      }
      try {
        schema = CanonicalSchema.stored(proposal.schema());
      } catch (RuntimeException e) {
        return false;
      }
    }
    boolean alreadyLive = versions.stream()
        .anyMatch(v -> !v.deleted() && v.schema().text().equals(schema.text()));
    if (alreadyLive) {
      return false;
    }
    subjects.computeIfAbsent(proposal.subject(), s -> new ArrayList<>())
        .add(new StoredVersion(proposal.subject(), proposal.version(), proposal.id(), schema, false));
    schemasById.put(proposal.id(), schema);
    idsBySchema.put(schema.text(), proposal.id());
    maxId = Math.max(maxId, proposal.id());
    return true;
  }

  private boolean applyDeletion(SubjectDeletion deletion) {
    List<StoredVersion> versions = subjects.get(deletion.subject());
    if (versions == null) {
      return false;
    }
    boolean changed = false;
    for (int i = 0; i < versions.size(); i++) {
      StoredVersion v = versions.get(i);
      if (!v.deleted() && v.version() <= deletion.upToVersion()) {
        versions.set(i, new StoredVersion(v.subject(), v.version(), v.id(), v.schema(), true));
        changed = true;
      }
    }
    return changed;
  }

  /** Decides, atomically against one state, how {@code schema} would be registered under {@code subject}. */
  synchronized RegistrationPlan planRegistration(String subject, CanonicalSchema schema) {
    List<StoredVersion> versions = subjects.getOrDefault(subject, List.of());
    List<EarlierVersion> live = new ArrayList<>();
    for (StoredVersion v : versions) {
      if (!v.deleted()) {
        if (v.schema().text().equals(schema.text())) {
          return new RegistrationPlan.AlreadyRegistered(v.id(), v.version());
        }
        live.add(new EarlierVersion(v.version(), v.schema().schema()));
      }
    }
    List<String> problems =
        CompatibilityChecker.check(effectiveLevel(subject), schema.schema(), live);
    if (!problems.isEmpty()) {
      return new RegistrationPlan.Incompatible(problems);
    }
    Integer knownId = idsBySchema.get(schema.text());
    return new RegistrationPlan.Propose(maxVersion(versions) + 1, knownId != null ? knownId : maxId + 1);
  }

  /** Subjects with at least one version (a live one unless {@code includeDeleted}), sorted. */
  synchronized List<String> subjects(boolean includeDeleted) {
    List<String> names = new ArrayList<>();
    subjects.forEach((name, versions) -> {
      if (versions.stream().anyMatch(v -> includeDeleted || !v.deleted())) {
        names.add(name);
      }
    });
    return names;
  }

  /** The versions of a subject, ascending; empty if it has none. */
  synchronized List<StoredVersion> versions(String subject, boolean includeDeleted) {
    return subjects.getOrDefault(subject, List.of()).stream()
        .filter(v -> includeDeleted || !v.deleted())
        .toList();
  }

  synchronized Optional<StoredVersion> version(String subject, int version, boolean includeDeleted) {
    return versions(subject, includeDeleted).stream().filter(v -> v.version() == version).findFirst();
  }

  synchronized Optional<StoredVersion> latest(String subject, boolean includeDeleted) {
    List<StoredVersion> versions = versions(subject, includeDeleted);
    return versions.isEmpty() ? Optional.empty() : Optional.of(versions.get(versions.size() - 1));
  }

  /** The version of {@code subject} that holds {@code schema}. */
  synchronized Optional<StoredVersion> find(String subject, CanonicalSchema schema, boolean includeDeleted) {
    return versions(subject, includeDeleted).stream()
        .filter(v -> v.schema().text().equals(schema.text()))
        .reduce((first, second) -> second);
  }

  synchronized Optional<CanonicalSchema> schemaById(int id) {
    return Optional.ofNullable(schemasById.get(id));
  }

  /** Every subject version registered under global id {@code id}. */
  synchronized List<StoredVersion> versionsOfId(int id, boolean includeDeleted) {
    List<StoredVersion> found = new ArrayList<>();
    subjects.values().forEach(versions -> versions.stream()
        .filter(v -> v.id() == id && (includeDeleted || !v.deleted()))
        .forEach(found::add));
    return found;
  }

  synchronized Optional<CompatibilityLevel> subjectLevel(String subject) {
    return Optional.ofNullable(subjectLevels.get(subject));
  }

  synchronized CompatibilityLevel globalLevel() {
    return globalLevel != null ? globalLevel : CompatibilityLevel.DEFAULT;
  }

  /** The level that applies to {@code subject}: its own, else the registry-wide one. */
  synchronized CompatibilityLevel effectiveLevel(String subject) {
    return subjectLevel(subject).orElseGet(this::globalLevel);
  }

  private static int maxVersion(List<StoredVersion> versions) {
    return versions.isEmpty() ? 0 : versions.get(versions.size() - 1).version();
  }
}
