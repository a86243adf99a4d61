package dev.lifeboat.schemas.registry;

/**
 * The errors of Confluent's schema registry, with its HTTP statuses, error codes and message
 * texts, since clients in other languages match on them.
 */
public final class RegistryErrors {
  public static final int SUBJECT_NOT_FOUND = 40401;
  public static final int VERSION_NOT_FOUND = 40402;
  public static final int SCHEMA_NOT_FOUND = 40403;
  public static final int SUBJECT_SOFT_DELETED = 40404;
  public static final int SUBJECT_COMPATIBILITY_NOT_CONFIGURED = 40408;
  public static final int INCOMPATIBLE_SCHEMA = 409;
  public static final int INVALID_SCHEMA = 42201;
  public static final int INVALID_VERSION = 42202;
  public static final int INVALID_COMPATIBILITY_LEVEL = 42203;
  public static final int OPERATION_NOT_PERMITTED = 42205;
  public static final int STORE_ERROR = 50001;
  public static final int OPERATION_TIMEOUT = 50002;

  private RegistryErrors() {}

  public static RegistryException subjectNotFound(String subject) {
    return new RegistryException(404, SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
  }

  public static RegistryException versionNotFound(int version) {
    return new RegistryException(404, VERSION_NOT_FOUND, "Version " + version + " not found.");
  }

  public static RegistryException schemaNotFound() {
    return new RegistryException(404, SCHEMA_NOT_FOUND, "Schema not found");
  }

  public static RegistryException schemaNotFound(int id) {
    return new RegistryException(404, SCHEMA_NOT_FOUND, "Schema " + id + " not found");
  }

  public static RegistryException subjectSoftDeleted(String subject) {
    return new RegistryException(404, SUBJECT_SOFT_DELETED,
        "Subject '" + subject + "' was soft deleted.Set permanent=true to delete permanently");
  }

  public static RegistryException subjectCompatibilityNotConfigured(String subject) {
    return new RegistryException(404, SUBJECT_COMPATIBILITY_NOT_CONFIGURED,
        "Subject '" + subject + "' does not have subject-level compatibility configured");
  }

  public static RegistryException incompatibleSchema(String subject, Iterable<String> details) {
    return new RegistryException(409, INCOMPATIBLE_SCHEMA,
        "Schema being registered is incompatible with an earlier schema for subject \""
            + subject + "\", details: [" + String.join(", ", details) + "]");
  }

  public static RegistryException invalidSchema(String message) {
    return new RegistryException(422, INVALID_SCHEMA, message);
  }

  public static RegistryException invalidVersion(String version) {
    return new RegistryException(422, INVALID_VERSION, "The specified version '" + version
        + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
  }

  public static RegistryException invalidCompatibilityLevel(String level) {
    return new RegistryException(422, INVALID_COMPATIBILITY_LEVEL, "Invalid compatibility level '"
        + level + "'. Valid values are " + CompatibilityLevel.validNames());
  }

  public static RegistryException operationNotPermitted(String message) {
    return new RegistryException(422, OPERATION_NOT_PERMITTED, message);
  }

  public static RegistryException storeError(String message) {
    return new RegistryException(500, STORE_ERROR, message);
  }

  public static RegistryException timeout(String message) {
    return new RegistryException(500, OPERATION_TIMEOUT, message);
  }
}
