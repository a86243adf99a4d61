package dev.lifeboat.config;

import java.util.List;

/**
 * How Lifeboat reaches and signs in to one object store besides its endpoint: the CA it trusts for an
 * https:// endpoint with a private CA, and where the keys come from when they are files (the keys of a
 * mounted Kubernetes Secret, read again whenever they change, so a rotated Secret takes effect without a
 * restart). The keys themselves, when given inline, stay in {@link LifeboatConfig.StoreConfig}.
 *
 * @param caFile PEM CA certificate(s) to trust instead of the JDK's; null: the JDK's
 * @param accessKeyFile file holding the access key id; null when the key is given inline
 * @param secretKeyFile file holding the secret access key; null when the key is given inline
 */
public record StoreAccess(String caFile, String accessKeyFile, String secretKeyFile) {
  /** The JDK's CAs, keys inline. */
  public static final StoreAccess DEFAULT = new StoreAccess(null, null, null);

  static final Field<String> CA_FILE = Field.string("caFile",
      "CA certificate (PEM) that signed an https:// endpoint's certificate; only it is trusted. Absent: the JDK's CAs.")
      .optional().validate(Validators::readableFile, Validators.READABLE_FILE);
  static final Field<String> ACCESS_KEY_FILE = Field.string("accessKeyFile",
      "File holding the access key id (a mounted Secret's key), read again when it changes; instead of accessKey.")
      .optional().validate(Validators::readableFile, Validators.READABLE_FILE);
  static final Field<String> SECRET_KEY_FILE = Field.string("secretKeyFile",
      "File holding the secret access key, read again when it changes; instead of secretKey.")
      .optional().validate(Validators::readableFile, Validators.READABLE_FILE);

  /** Whether the keys are read from files rather than given inline. */
  public boolean keysFromFiles() {
    return accessKeyFile != null;
  }

  /**
   * Reads the keys of this section and checks that the store has exactly one form of keys: {@code
   * accessKey} and {@code secretKey}, or {@code accessKeyFile} and {@code secretKeyFile}.
   */
  static StoreAccess read(ConfigReader r, String endpoint, boolean hasAccessKey, boolean hasSecretKey) {
    StoreAccess access = new StoreAccess(r.get(CA_FILE), r.get(ACCESS_KEY_FILE), r.get(SECRET_KEY_FILE));
    // presence, not validity: a file key that failed validation has already been reported
    boolean hasAccessKeyFile = r.has(ACCESS_KEY_FILE.name());
    boolean hasSecretKeyFile = r.has(SECRET_KEY_FILE.name());
    boolean inline = hasAccessKey || hasSecretKey;
    boolean files = hasAccessKeyFile || hasSecretKeyFile;
    if (inline && files) {
      r.reportProblem(hasAccessKey ? "accessKey" : "secretKey", "and " + (hasAccessKeyFile ? "accessKeyFile" : "secretKeyFile")
          + " are both set: give the keys one way, either accessKey and secretKey, or accessKeyFile and secretKeyFile");
    } else if (!inline && !files) {
      r.reportProblem("accessKey", "is required: give accessKey and secretKey (${ENV_VAR} reads the environment),"
          + " or accessKeyFile and secretKeyFile (files of a mounted Secret)");
    } else if (inline && hasAccessKey != hasSecretKey) {
      r.reportProblem(hasAccessKey ? "secretKey" : "accessKey", "is missing: accessKey and secretKey go together");
    } else if (files && hasAccessKeyFile != hasSecretKeyFile) {
      r.reportProblem(hasAccessKeyFile ? "secretKeyFile" : "accessKeyFile",
          "is missing: accessKeyFile and secretKeyFile go together");
    }
    if (access.caFile != null && endpoint != null && !Validators.isHttps(endpoint)) {
      r.reportProblem("caFile", "is set, but endpoint " + endpoint + " is not https://: use https:// or drop caFile");
    }
    return access;
  }

  static List<Field<?>> fields() {
    return List.of(CA_FILE, ACCESS_KEY_FILE, SECRET_KEY_FILE);
  }
}
