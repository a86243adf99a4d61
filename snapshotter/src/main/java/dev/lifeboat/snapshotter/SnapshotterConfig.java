package dev.lifeboat.snapshotter;

import dev.lifeboat.config.ConfigReader;
import dev.lifeboat.config.ConfigSection;
import dev.lifeboat.config.Field;
import dev.lifeboat.config.Validators;

import java.time.Duration;
import java.util.List;

/**
 * The repository's master key and what the snapshotter does.
 *
 * @param masterKey the repository's master key as the section was read with it ({@code
 *     repository.masterKey}); the plugin uses the shared one. Wraps the repository's data key (32
 *     bytes); required by the snapshotter and by
 *     restores, never by the replicator (which copies sealed bytes)
 * @param etcdEvery time between scheduled etcd snapshots; zero: on request only
 * @param nodeName the node this snapshotter's volume agent runs on; it serves only volume requests
 *     for that node (empty: any node, for single-node setups and the demo)
 * @param csiTimeout how long a CSI VolumeSnapshot may take to become ready to use before the
 *     snapshot fails
 * @param csiSnapshotClass the VolumeSnapshotClass of every CSI snapshot that names none itself
 *     (empty: the class of the claim's CSI driver, its default class when it has several)
 * @param resourcesEvery time between scheduled resource snapshots of the whole cluster; zero: on
 *     request only
 * @param changelogEvery how long a change waits in the change-log archiver at most: a partition's
 *     segment is stored once its oldest change is this old (or it is full); zero: the change log is
 *     not archived
 * @param controlPlane whether this node agent snapshots its node's control-plane files ({@code
 *     snapshotter.controlPlane})
 */
public record SnapshotterConfig(boolean enabled, byte[] masterKey, Duration etcdEvery, String nodeName, int uploadThreads,
    Duration csiTimeout, String csiSnapshotClass, Duration resourcesEvery, Duration changelogEvery,
    ControlPlaneConfig controlPlane) {
  /** How long a CSI snapshot may take to become ready when nothing else is configured. */
  public static final Duration DEFAULT_CSI_TIMEOUT = Duration.ofMinutes(10);

  static final Field<Boolean> ENABLED = Field.bool("enabled", "Run the snapshotter in this process.").withDefault(true);
  static final Field<String> MASTER_KEY = dev.lifeboat.config.RepositoryConfig.legacyMasterKey();
  static final Field<Duration> ETCD_EVERY = Field.duration("etcdEvery", "Time between scheduled etcd snapshots; 0s: on request only.")
      .withDefault(Duration.ofMinutes(15));
  static final Field<String> NODE_NAME = Field.string("nodeName",
      "Node whose volumes this snapshotter reads (the node agent's own node); empty: any.").withDefault("");
  static final Field<Integer> UPLOAD_THREADS = Field.integer("uploadThreads", "Chunks sealed and uploaded in parallel.")
      .withDefault(2).validate(n -> n >= 1 && n <= 64, "1 to 64");
  static final Field<Duration> CSI_TIMEOUT = Field.duration("csiTimeout",
      "How long a CSI VolumeSnapshot may take to become readyToUse; then the snapshot fails and the VolumeSnapshot is deleted.")
      .withDefault(DEFAULT_CSI_TIMEOUT).validate(d -> d.toSeconds() >= 1, "at least 1s");
  static final Field<String> CSI_SNAPSHOT_CLASS = Field.string("csiSnapshotClass",
      "VolumeSnapshotClass of CSI snapshots whose request names none; empty: the default class of the claim's CSI driver.")
      .withDefault("").validate(c -> c.isEmpty() || Validators.dnsSubdomain(c), Validators.DNS_SUBDOMAIN);
  static final Field<Duration> RESOURCES_EVERY = Field.duration("resourcesEvery",
      "Time between scheduled resource snapshots of the whole cluster; 0s: on request only.").withDefault(Duration.ofHours(1));
  static final Field<Duration> CHANGELOG_EVERY = Field.duration("changelogEvery",
      "How long a resource change waits at most before the repository segment holding it is stored; 0s: not archived.")
      .withDefault(Duration.ofSeconds(1)).validate(d -> d.isZero() || d.toMillis() >= 100, "0s, or at least 100ms");

  /** The same settings without control-plane snapshots. */
  public SnapshotterConfig(boolean enabled, byte[] masterKey, Duration etcdEvery, String nodeName, int uploadThreads,
      Duration csiTimeout, String csiSnapshotClass, Duration resourcesEvery, Duration changelogEvery) {
    this(enabled, masterKey, etcdEvery, nodeName, uploadThreads, csiTimeout, csiSnapshotClass, resourcesEvery, changelogEvery,
        ControlPlaneConfig.disabled());
  }

  /** The same settings with {@code controlPlane} instead. */
  public SnapshotterConfig withControlPlane(ControlPlaneConfig controlPlane) {
    return new SnapshotterConfig(enabled, masterKey, etcdEvery, nodeName, uploadThreads, csiTimeout, csiSnapshotClass,
        resourcesEvery, changelogEvery, controlPlane);
  }

  /** The same settings with CSI and resource backup at their defaults. */
  public SnapshotterConfig(boolean enabled, byte[] masterKey, Duration etcdEvery, String nodeName, int uploadThreads) {
    this(enabled, masterKey, etcdEvery, nodeName, uploadThreads, DEFAULT_CSI_TIMEOUT, "", Duration.ofHours(1), Duration.ofSeconds(5));
  }

  public static SnapshotterConfig disabled() {
    return new SnapshotterConfig(false, null, Duration.ZERO, "", 2, DEFAULT_CSI_TIMEOUT, "", Duration.ZERO, Duration.ZERO);
  }

  /** The {@code snapshotter} section, contributed by the snapshotter's plugin. */
  public static final ConfigSection<SnapshotterConfig> SECTION = new ConfigSection<>() {
    @Override
    public String name() {
      return "snapshotter";
    }

    @Override
    public SnapshotterConfig defaults() {
      return new SnapshotterConfig(true, null, Duration.ofMinutes(15), "", 2);
    }

    @Override
    public SnapshotterConfig read(ConfigReader reader, dev.lifeboat.config.LifeboatConfig shared) {
      return SnapshotterConfig.read(reader, shared.masterKey());
    }

    @Override
    public List<Field<?>> fields() {
      return SnapshotterConfig.fields();
    }

    @Override
    public java.util.Map<String, List<Field<?>>> documentation() {
      java.util.Map<String, List<Field<?>>> docs = new java.util.LinkedHashMap<>();
      docs.put("snapshotter", SnapshotterConfig.fields());
      docs.put("snapshotter.controlPlane", ControlPlaneConfig.fields());
      return docs;
    }
  };

  /** @param masterKey the repository's ({@code repository.masterKey}) */
  static SnapshotterConfig read(ConfigReader r, byte[] masterKey) {
    Boolean enabled = r.get(ENABLED);
    r.get(MASTER_KEY); // its former place: the shared repository section reads it from here when it has none
    Duration csiTimeout = r.get(CSI_TIMEOUT);
    String csiSnapshotClass = r.get(CSI_SNAPSHOT_CLASS);
    String nodeName = r.get(NODE_NAME);
    SnapshotterConfig c = new SnapshotterConfig(Boolean.TRUE.equals(enabled), masterKey,
        r.get(ETCD_EVERY), nodeName, r.get(UPLOAD_THREADS) == null ? 2 : r.get(UPLOAD_THREADS),
        csiTimeout == null ? DEFAULT_CSI_TIMEOUT : csiTimeout, csiSnapshotClass == null ? "" : csiSnapshotClass,
        r.get(RESOURCES_EVERY), r.get(CHANGELOG_EVERY),
        ControlPlaneConfig.read(r.section("controlPlane"), nodeName == null ? "" : nodeName));
    if (c.enabled() && masterKey == null) {
      r.reportProblem("enabled", "= true needs repository.masterKey (base64 of 32 random bytes): the snapshotter writes the"
          + " repository with it (or set snapshotter.enabled: false)");
    }
    r.rejectUnknown(List.of());
    return c;
  }

  static List<Field<?>> fields() {
    return List.of(ENABLED, MASTER_KEY, ETCD_EVERY, NODE_NAME, UPLOAD_THREADS, CSI_TIMEOUT, CSI_SNAPSHOT_CLASS, RESOURCES_EVERY,
        CHANGELOG_EVERY);
  }

  @Override
  public String toString() {
    return "SnapshotterConfig[enabled=" + enabled + ", masterKey=***, etcdEvery=" + etcdEvery + ", nodeName=" + nodeName
        + ", uploadThreads=" + uploadThreads + ", csiTimeout=" + csiTimeout + ", csiSnapshotClass=" + csiSnapshotClass
        + ", resourcesEvery=" + resourcesEvery + ", changelogEvery=" + changelogEvery + ", controlPlane=" + controlPlane + "]";
  }
}
