package dev.lifeboat.schemas.registry;

import dev.lifeboat.schemas.registry.CompatibilityChecker.EarlierVersion;
import dev.lifeboat.schemas.registry.RegistryRecord.ConfigChange;
import dev.lifeboat.schemas.registry.RegistryRecord.SchemaProposal;
import dev.lifeboat.schemas.registry.RegistryRecord.SubjectDeletion;
import dev.lifeboat.schemas.registry.RegistryState.RegistrationPlan;
import dev.lifeboat.schemas.registry.RegistryState.StoredVersion;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's operations with the semantics of Confluent's REST API, independent of HTTP.
 * Reads first catch up with the topic, so a schema registered through any instance is visible
 * through every instance as soon as its registration was answered. Failures are
 * {@link RegistryException}s carrying Confluent's status and error code.
 */
final class RegistryService {
  private static final Logger log = LoggerFactory.getLogger(RegistryService.class);
  /** How often a registration that lost a race against another instance is retried. */
  static final int MAX_REGISTRATION_ATTEMPTS = 20;

  private final KafkaRegistryLog registryLog;
  private final RegistryState state;
  private final Object registrations = new Object();

  RegistryService(KafkaRegistryLog registryLog, RegistryState state) {
    this.registryLog = registryLog;
    this.state = state;
  }

  /**
   * Registers {@code schemaText} under {@code subject}, or returns its id if it already is a
   * version of the subject. Proposes the next version and waits for the log to decide; if another
   * proposal got there first, plans again against the new state.
   */
  int register(String subject, String schemaText) {
    CanonicalSchema schema = CanonicalSchema.parse(schemaText);
    // One registration at a time per instance: races are then only between instances.
    synchronized (registrations) {
      registryLog.catchUp();
      for (int attempt = 1; attempt <= MAX_REGISTRATION_ATTEMPTS; attempt++) {
        RegistrationPlan plan = state.planRegistration(subject, schema);
        if (plan instanceof RegistrationPlan.AlreadyRegistered registered) {
          return registered.id();
        }
        if (plan instanceof RegistrationPlan.Incompatible incompatible) {
          throw RegistryErrors.incompatibleSchema(subject, incompatible.problems());
        }
        RegistrationPlan.Propose proposal = (RegistrationPlan.Propose) plan;
        long offset = registryLog.append(new SchemaProposal(UUID.randomUUID().toString(), subject,
            proposal.version(), proposal.id(), schema.text()));
        registryLog.awaitApplied(offset + 1);
        Optional<StoredVersion> accepted = state.version(subject, proposal.version(), true);
        if (accepted.isPresent() && accepted.get().schema().text().equals(schema.text())) {
          log.info("Registered schema id {} as version {} of subject '{}'",
              accepted.get().id(), proposal.version(), subject);
          return accepted.get().id();
        }
        log.debug("Proposal of version {} of subject '{}' lost to another writer (attempt {})",
            proposal.version(), subject, attempt);
      }
    }
    throw RegistryErrors.storeError("Could not register a schema under subject '" + subject
        + "': other writers kept taking its next version (" + MAX_REGISTRATION_ATTEMPTS + " attempts)");
  }

  /** The live version of {@code subject} that holds {@code schemaText}. */
  StoredVersion lookup(String subject, String schemaText, boolean includeDeleted) {
    registryLog.catchUp();
    requireSubject(subject, includeDeleted);
    CanonicalSchema schema = CanonicalSchema.parse(schemaText);
    return state.find(subject, schema, includeDeleted).orElseThrow(RegistryErrors::schemaNotFound);
  }

  List<String> subjects(boolean includeDeleted) {
    registryLog.catchUp();
    return state.subjects(includeDeleted);
  }

  List<Integer> versions(String subject, boolean includeDeleted) {
    registryLog.catchUp();
    return requireSubject(subject, includeDeleted).stream().map(StoredVersion::version).toList();
  }

  /** One version; {@code versionSpec} is a number or "latest" (or -1). */
  StoredVersion version(String subject, String versionSpec, boolean includeDeleted) {
    int version = parseVersion(versionSpec);
    registryLog.catchUp();
    List<StoredVersion> versions = requireSubject(subject, includeDeleted);
    if (version == -1) {
      return versions.get(versions.size() - 1);
    }
    return versions.stream().filter(v -> v.version() == version).findFirst()
        .orElseThrow(() -> RegistryErrors.versionNotFound(version));
  }

  /** The schema with global id {@code id}, even if every version holding it was deleted. */
  CanonicalSchema schemaById(int id) {
    Optional<CanonicalSchema> known = state.schemaById(id); // ids never change once given
    if (known.isPresent()) {
      return known.get();
    }
    registryLog.catchUp();
    return state.schemaById(id).orElseThrow(() -> RegistryErrors.schemaNotFound(id));
  }

  List<StoredVersion> versionsOfId(int id, boolean includeDeleted) {
    schemaById(id);
    registryLog.catchUp();
    return state.versionsOfId(id, includeDeleted);
  }

  /**
   * What keeps {@code schemaText} from following {@code subject}: against one version when
   * {@code versionSpec} is given (nothing to check if "latest" and the subject has no versions),
   * else against all of them as registering would. Empty means compatible.
   */
  List<String> compatibilityProblems(String subject, String versionSpec, String schemaText) {
    int version = versionSpec == null ? 0 : parseVersion(versionSpec);
    registryLog.catchUp();
    List<StoredVersion> live = state.versions(subject, false);
    List<StoredVersion> against;
    if (versionSpec == null) {
      against = live;
    } else if (version == -1) {
      against = live.isEmpty() ? List.of() : List.of(live.get(live.size() - 1));
    } else {
      against = List.of(live.stream().filter(v -> v.version() == version).findFirst()
          .orElseThrow(() -> RegistryErrors.versionNotFound(version)));
    }
    CanonicalSchema schema = CanonicalSchema.parse(schemaText);
    List<EarlierVersion> earlier = against.stream()
        .map(v -> new EarlierVersion(v.version(), v.schema().schema())).toList();
    return CompatibilityChecker.check(state.effectiveLevel(subject), schema.schema(), earlier);
  }

  CompatibilityLevel globalLevel() {
    registryLog.catchUp();
    return state.globalLevel();
  }

  CompatibilityLevel setGlobalLevel(String level) {
    CompatibilityLevel parsed = parseLevel(level);
    write(new ConfigChange(null, parsed));
    log.info("Registry-wide compatibility level set to {}", parsed);
    return parsed;
  }

  /** The subject's own level, or with {@code defaultToGlobal} the level that applies to it. */
  CompatibilityLevel subjectLevel(String subject, boolean defaultToGlobal) {
    registryLog.catchUp();
    if (defaultToGlobal) {
      return state.effectiveLevel(subject);
    }
    return state.subjectLevel(subject)
        .orElseThrow(() -> RegistryErrors.subjectCompatibilityNotConfigured(subject));
  }

  CompatibilityLevel setSubjectLevel(String subject, String level) {
    CompatibilityLevel parsed = parseLevel(level);
    write(new ConfigChange(subject, parsed));
    log.info("Compatibility level of subject '{}' set to {}", subject, parsed);
    return parsed;
  }

  /** Removes the subject's own level and returns it. */
  CompatibilityLevel deleteSubjectLevel(String subject) {
    registryLog.catchUp();
    CompatibilityLevel removed = state.subjectLevel(subject)
        .orElseThrow(() -> RegistryErrors.subjectNotFound(subject));
    write(new ConfigChange(subject, null));
    log.info("Compatibility level of subject '{}' removed (was {})", subject, removed);
    return removed;
  }

  /** Soft-deletes every live version of {@code subject} and returns their numbers. */
  List<Integer> deleteSubject(String subject, boolean permanent) {
    if (permanent) {
      throw RegistryErrors.operationNotPermitted(
          "Permanent deletion is not supported: ids stay readable for data written with them");
    }
    registryLog.catchUp();
    if (state.versions(subject, false).isEmpty() && !state.versions(subject, true).isEmpty()) {
      throw RegistryErrors.subjectSoftDeleted(subject);
    }
    List<Integer> live = requireSubject(subject, false).stream().map(StoredVersion::version).toList();
    write(new SubjectDeletion(UUID.randomUUID().toString(), subject, live.get(live.size() - 1)));
    log.info("Soft-deleted versions {} of subject '{}'", live, subject);
    return live;
  }

  private void write(RegistryRecord record) {
    registryLog.awaitApplied(registryLog.append(record) + 1);
  }

  /** The subject's versions, or 40401. */
  private List<StoredVersion> requireSubject(String subject, boolean includeDeleted) {
    List<StoredVersion> versions = state.versions(subject, includeDeleted);
    if (versions.isEmpty()) {
      throw RegistryErrors.subjectNotFound(subject);
    }
    return versions;
  }

  /** A version number, or -1 for "latest"; 42202 for anything else. */
  static int parseVersion(String versionSpec) {
    String spec = versionSpec.trim();
    if (spec.equalsIgnoreCase("latest")) {
      return -1;
    }
    try {
      int version = Integer.parseInt(spec);
      if (version == -1 || version > 0) {
        return version;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw RegistryErrors.invalidVersion(versionSpec);
  }

  private static CompatibilityLevel parseLevel(String level) {
    return CompatibilityLevel.forName(level).orElseThrow(() -> RegistryErrors.invalidCompatibilityLevel(level));
  }
}
