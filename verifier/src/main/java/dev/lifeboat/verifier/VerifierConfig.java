package dev.lifeboat.verifier;

import dev.lifeboat.config.ConfigReader;
import dev.lifeboat.config.ConfigSection;
import dev.lifeboat.config.Field;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.Validators;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What the verifier proves and where it restores to. Every etcd snapshot is proven; a fraction of
 * volume snapshots; for resource snapshots, a few namespaces per snapshot, least recently proven
 * first, so that every namespace is proven within the rotation period.
 *
 * @param volumeFraction the share of volume snapshots restored (0 to 1; chosen by snapshot id, so
 *     a redelivered record is chosen again)
 * @param namespacesPerSnapshot namespaces restored from each resource snapshot (more when some
 *     have not been proven within the rotation period)
 * @param rotationPeriod every namespace is proven at least once within it
 * @param scratchContext a kubeconfig context of a cluster kept for verification; empty: none, and
 *     scratch namespaces go to the designated cluster
 * @param scratchKubeconfig the kubeconfig holding the scratch or designated context; empty: the
 *     one in {@code kubernetes.kubeconfig} (or the default places)
 * @param designatedContext without a scratch cluster, the context whose cluster hosts the scratch
 *     namespaces; empty: the protected cluster's ({@code kubernetes.context})
 * @param namespacePrefix scratch namespaces are {@code <prefix>-<verification id>-<namespace>}
 * @param scratchDir where scratch etcd data and restored volumes go (the verifier empties it)
 * @param parallelism requests in flight at once when restoring resources
 */
public record VerifierConfig(boolean enabled, double volumeFraction, int namespacesPerSnapshot, Duration rotationPeriod,
    String scratchContext, String scratchKubeconfig, String designatedContext, String namespacePrefix, Path scratchDir,
    int parallelism) {

  static final Field<Boolean> ENABLED = Field.bool("enabled",
      "Run the verifier in this process (needs repository.masterKey and an off-region store).").withDefault(true);
  static final Field<Double> VOLUME_FRACTION = Field.number("volumeFraction",
      "Share of volume snapshots restored and checked (every etcd snapshot always is).").withDefault(0.1)
      .validate(f -> f >= 0 && f <= 1, "a number from 0 to 1, e.g. 0.25");
  static final Field<Integer> NAMESPACES_PER_SNAPSHOT = Field.integer("namespacesPerSnapshot",
      "Namespaces restored from each resource snapshot, least recently proven first.").withDefault(3)
      .validate(n -> n >= 1 && n <= 1000, "1 to 1000");
  static final Field<Duration> ROTATION_PERIOD = Field.duration("rotationPeriod",
      "Every namespace is proven by a restore at least once within this period.").withDefault(Duration.ofDays(1))
      .validate(d -> d.toMinutes() >= 1, "at least 1m");
  static final Field<String> SCRATCH_CONTEXT = Field.string("scratchContext",
      "Kubeconfig context of a cluster kept for verification; empty: scratch namespaces in the designated cluster.")
      .withDefault("");
  static final Field<String> SCRATCH_KUBECONFIG = Field.string("scratchKubeconfig",
      "Kubeconfig file of the scratch or designated context; empty: kubernetes.kubeconfig.").withDefault("");
  static final Field<String> DESIGNATED_CONTEXT = Field.string("designatedContext",
      "Without a scratch cluster: the context whose cluster hosts scratch namespaces; empty: the protected cluster.")
      .withDefault("");
  static final Field<String> NAMESPACE_PREFIX = Field.string("namespacePrefix",
      "Scratch namespaces are named <prefix>-<verification id>-<namespace>, and only those are ever cleaned up.")
      .withDefault("lifeboat-verify").validate(p -> p.length() <= 30 && Validators.dnsName(p),
          "lower-case letters, digits and '-', at most 30 characters");
  static final Field<String> SCRATCH_DIR = Field.string("scratchDir",
      "Directory for scratch etcd data and restored volumes; the verifier empties it at start.")
      .withDefault(defaultScratchDir().toString());
  static final Field<Integer> PARALLELISM = Field.integer("parallelism",
      "Objects created at once when restoring resources into the scratch cluster.").withDefault(16)
      .validate(n -> n >= 1 && n <= 256, "1 to 256");

  public static VerifierConfig defaults() {
    return new VerifierConfig(true, 0.1, 3, Duration.ofDays(1), "", "", "", "lifeboat-verify", defaultScratchDir(), 16);
  }

  public static VerifierConfig disabled() {
    VerifierConfig d = defaults();
    return new VerifierConfig(false, d.volumeFraction, d.namespacesPerSnapshot, d.rotationPeriod, "", "", "",
        d.namespacePrefix, d.scratchDir, d.parallelism);
  }

  /** The same settings with another scratch directory (tests, the demo's data directory). */
  public VerifierConfig withScratchDir(Path dir) {
    return new VerifierConfig(enabled, volumeFraction, namespacesPerSnapshot, rotationPeriod, scratchContext,
        scratchKubeconfig, designatedContext, namespacePrefix, dir, parallelism);
  }

  /** The same settings with another scratch namespace prefix (tests sharing one cluster). */
  public VerifierConfig withNamespacePrefix(String prefix) {
    return new VerifierConfig(enabled, volumeFraction, namespacesPerSnapshot, rotationPeriod, scratchContext,
        scratchKubeconfig, designatedContext, prefix, scratchDir, parallelism);
  }

  private static Path defaultScratchDir() {
    return Path.of(System.getProperty("java.io.tmpdir"), "lifeboat-verify");
  }

  /** The {@code verifier} section, contributed by the verifier's plugin. */
  public static final ConfigSection<VerifierConfig> SECTION = ConfigSection.of("verifier", VerifierConfig::defaults,
      VerifierConfig::readChecked, VerifierConfig::fields);

  /** The section, and what enabling it needs from the shared sections. */
  private static VerifierConfig readChecked(ConfigReader reader, LifeboatConfig shared) {
    VerifierConfig verifier = read(reader);
    if (reader.has("enabled") && verifier.enabled()) {
      if (shared.masterKey() == null) {
        reader.reportProblem("enabled", "= true needs repository.masterKey (restores open the repository with it)");
      }
      if (shared.stores().offsite().isEmpty()) {
        reader.reportProblem("enabled", "= true needs an off-region store under stores.offsite: the verifier"
            + " proves the copies there");
      }
    }
    return verifier;
  }

  static VerifierConfig read(ConfigReader r) {
    VerifierConfig d = defaults();
    Boolean enabled = r.get(ENABLED);
    Double fraction = r.get(VOLUME_FRACTION);
    Integer perSnapshot = r.get(NAMESPACES_PER_SNAPSHOT);
    Duration rotation = r.get(ROTATION_PERIOD);
    String scratchDir = r.get(SCRATCH_DIR);
    Integer parallelism = r.get(PARALLELISM);
    String prefix = r.get(NAMESPACE_PREFIX);
    VerifierConfig c = new VerifierConfig(enabled == null || enabled, fraction == null ? d.volumeFraction : fraction,
        perSnapshot == null ? d.namespacesPerSnapshot : perSnapshot, rotation == null ? d.rotationPeriod : rotation,
        orEmpty(r.get(SCRATCH_CONTEXT)), orEmpty(r.get(SCRATCH_KUBECONFIG)), orEmpty(r.get(DESIGNATED_CONTEXT)),
        prefix == null ? d.namespacePrefix : prefix, scratchDir == null ? d.scratchDir : Path.of(scratchDir),
        parallelism == null ? d.parallelism : parallelism);
    if (!c.scratchContext.isEmpty() && !c.designatedContext.isEmpty()) {
      r.reportProblem("designatedContext", "is used only without a scratch cluster; scratchContext = "
          + c.scratchContext + " is set: remove one of them");
    }
    r.rejectUnknown(List.of());
    return c;
  }

  static List<Field<?>> fields() {
    return List.of(ENABLED, VOLUME_FRACTION, NAMESPACES_PER_SNAPSHOT, ROTATION_PERIOD, SCRATCH_CONTEXT, SCRATCH_KUBECONFIG,
        DESIGNATED_CONTEXT, NAMESPACE_PREFIX, SCRATCH_DIR, PARALLELISM);
  }

  private static String orEmpty(String value) {
    return value == null ? "" : value;
  }
}
