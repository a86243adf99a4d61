package dev.lifeboat.config;

import dev.lifeboat.schedule.VolumePolicy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.replicator.ReplicatorConfig;
import dev.lifeboat.snapshotter.SnapshotterConfig;
import dev.lifeboat.verifier.VerifierConfig;
import dev.lifeboat.watcher.WatcherConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  private static final String VALID = """
      cluster:
        name: prod-eu1
      kafka:
        bootstrapServers: kafka-0:9092,kafka-1:9092
        properties:
          client.dns.lookup: use_all_dns_ips
      registry:
        url: http://registry:8081
      stores:
        primary:
          endpoint: https://s3.eu-west-1.example.com
          bucket: lifeboat-backups
          accessKey: ${S3_KEY}
          secretKey: ${S3_SECRET}
        offsite:
          - name: us-east
            endpoint: https://s3.us-east-1.example.com
            bucket: lifeboat-dr
            accessKey: a
            secretKey: b
            region: us-east-1
      etcd:
        endpoints: [https://10.0.0.1:2379]
        caFile: /etc/etcd/ca.pem
      snapshotter:
        masterKey: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
      """;

  private final ConfigLoader loader = new ConfigLoader(Map.of("S3_KEY", "AKIA1", "S3_SECRET", "s3cr3t"));

  @Test
  void readsEveryConcernWithDefaultsAndEnvironmentVariables() {
    LifeboatConfig config = loader.parse(VALID, "lifeboat.yaml");

    assertThat(config.cluster().name()).isEqualTo("prod-eu1");
    assertThat(config.kafka().bootstrapServers()).isEqualTo("kafka-0:9092,kafka-1:9092");
    assertThat(config.kafka().replicationFactor()).isEqualTo(3);
    assertThat(config.kafka().minInSyncReplicas()).as("acks=all means two brokers hold each record").isEqualTo(2);
    assertThat(config.section(WatcherConfig.SECTION).deliveryTimeout()).isEqualTo(java.time.Duration.ofMinutes(2));
    assertThat(config.kafka().groupPrefix()).isEqualTo("lifeboat-");
    assertThat(config.kafka().properties()).containsEntry("client.dns.lookup", "use_all_dns_ips");
    assertThat(config.stores().primary().name()).isEqualTo("primary");
    assertThat(config.stores().primary().accessKey()).isEqualTo("AKIA1");
    assertThat(config.stores().primary().secretKey()).isEqualTo("s3cr3t");
    assertThat(config.stores().primary().prefix()).isEqualTo("lifeboat");
    assertThat(config.stores().offsite()).singleElement().satisfies(s -> {
      assertThat(s.name()).isEqualTo("us-east");
      assertThat(s.region()).isEqualTo("us-east-1");
    });
    assertThat(config.etcd()).hasValueSatisfying(e -> assertThat(e.endpoints()).containsExactly("https://10.0.0.1:2379"));
    assertThat(config.status().port()).isEqualTo(8080);
    assertThat(config.stores().primary().toString()).doesNotContain("s3cr3t");
  }

  @Test
  void namesTheKeyTheBadValueAndWhatWouldBeValid() {
    String yaml = VALID.replace("kafka-0:9092,kafka-1:9092", "kafka-without-port")
        .replace("http://registry:8081", "registry:8081");

    assertThatThrownBy(() -> loader.parse(yaml, "lifeboat.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("lifeboat.yaml has 2 problems")
        .hasMessageContaining("kafka.bootstrapServers = \"kafka-without-port\" is invalid: valid values are host:port")
        .hasMessageContaining("registry.url = \"registry:8081\" is invalid: valid values are an http:// or https:// URL");
  }

  @Test
  void reportsMissingRequiredKeysUnknownKeysAndUnsetVariablesTogether() {
    String yaml = """
        kafka:
          bootstrapServer: kafka:9092
        registry:
          url: ${REGISTRY_URL}
        status:
          port: 70000
        """;

    assertThatThrownBy(() -> new ConfigLoader(Map.of()).parse(yaml, "lifeboat.yaml"))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).anySatisfy(p -> assertThat(p).startsWith("kafka.bootstrapServers is required"))
            .anySatisfy(p -> assertThat(p).startsWith("kafka.bootstrapServer is not a known key"))
            .anySatisfy(p -> assertThat(p).contains("REGISTRY_URL, which is not set"))
            .anySatisfy(p -> assertThat(p).startsWith("stores.primary.endpoint is required"))
            .anySatisfy(p -> assertThat(p).contains("status.port = 70000 is invalid: valid values are a port number"))
            .anySatisfy(p -> assertThat(p).startsWith("snapshotter.enabled = true needs repository.masterKey")));
  }

  @Test
  void aMinInSyncReplicasAboveTheReplicationFactorIsNamed() {
    String yaml = VALID.replace("kafka:\n", "kafka:\n  minInSyncReplicas: 4\n");
    assertThatThrownBy(() -> loader.parse(yaml, "lifeboat.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("kafka.minInSyncReplicas is 4, more than replicationFactor 3");
  }

  @Test
  void rejectsInvalidYamlWithItsLine() {
    assertThatThrownBy(() -> loader.parse("kafka:\n  bootstrapServers: [unclosed\n", "x.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("is not valid YAML");
  }

  @Test
  void theComposeStacksConfigurationIsValid() {
    LifeboatConfig config = new ConfigLoader(Map.of("S3_ACCESS_KEY", "k", "S3_SECRET_KEY", "s",
        "LIFEBOAT_DATA_KEY", java.util.Base64.getEncoder().encodeToString(new byte[32]),
        "LIFEBOAT_MASTER_KEY", java.util.Base64.getEncoder().encodeToString(new byte[32])))
        .load(java.nio.file.Path.of("..", "compose", "lifeboat.yaml"));
    assertThat(config.stores().offsite()).hasSize(1);
    assertThat(config.kafka().replicationFactor()).isEqualTo(1);
    assertThat(config.encryption()).hasValueSatisfying(e -> assertThat(e.active()).hasSize(32));
    assertThat(config.section(WatcherConfig.SECTION).volumePolicies()).singleElement()
        .satisfies(p -> assertThat(p.mode()).isEqualTo(dev.lifeboat.schedule.VolumePolicy.Mode.ON_CHANGE));
  }

  @Test
  void aWrongDataKeyOrAnUnknownActiveKeyIsNamed() {
    String yaml = VALID + """
        encryption:
          activeKey: k2
          keys:
            - id: k1
              key: c2hvcnQ=
        watcher:
          compression: brotli
          volumePolicies:
            - mode: interval
        """;
    assertThatThrownBy(() -> loader.parse(yaml, "lifeboat.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("encryption.keys[0].key = (hidden) is invalid: valid values are base64 of exactly 32 bytes")
        .hasMessageNotContaining("c2hvcnQ=")
        .hasMessageContaining("encryption.activeKey = \"k2\" names no key")
        .hasMessageContaining("watcher.compression = \"brotli\" is invalid")
        .hasMessageContaining("watcher.volumePolicies[0].storageClass or label must be given")
        .hasMessageContaining("watcher.volumePolicies[0].interval is required when mode is interval");
  }

  @Test
  void csiSnapshotsAreChosenPerVolumePolicyAndTheirTimeoutAndClassAreConfigured() {
    LifeboatConfig defaults = loader.parse(VALID, "lifeboat.yaml");
    assertThat(defaults.section(SnapshotterConfig.SECTION).csiTimeout()).isEqualTo(java.time.Duration.ofMinutes(10));
    assertThat(defaults.section(SnapshotterConfig.SECTION).csiSnapshotClass()).isEmpty();

    String yaml = VALID.replace("snapshotter:\n  masterKey:", """
        watcher:
          volumePolicies:
            - storageClass: fast
              mode: on-change
              method: csi
            - storageClass: standard
              mode: on-change
        snapshotter:
          csiTimeout: 3m
          csiSnapshotClass: ebs.snapclass-v1
          masterKey:""");
    LifeboatConfig config = loader.parse(yaml, "lifeboat.yaml");
    assertThat(config.section(WatcherConfig.SECTION).volumePolicies()).extracting(VolumePolicy::method)
        .containsExactly(VolumePolicy.Method.CSI, VolumePolicy.Method.FILE);
    // the commands worker snapshots an application's claims by the same policies, without the watcher module
    assertThat(dev.lifeboat.schedule.VolumePolicies.declaredIn(config).policies())
        .isEqualTo(config.section(WatcherConfig.SECTION).volumePolicies());
    assertThat(config.section(SnapshotterConfig.SECTION).csiTimeout()).isEqualTo(java.time.Duration.ofMinutes(3));
    assertThat(config.section(SnapshotterConfig.SECTION).csiSnapshotClass()).isEqualTo("ebs.snapclass-v1");
  }

  @Test
  void aWrongVolumeMethodCsiTimeoutOrSnapshotClassIsNamed() {
    String yaml = VALID.replace("snapshotter:\n  masterKey:", """
        watcher:
          volumePolicies:
            - storageClass: fast
              mode: on-change
              method: block
        snapshotter:
          csiTimeout: 0s
          csiSnapshotClass: Fast_Snapshots
          masterKey:""");
    assertThatThrownBy(() -> loader.parse(yaml, "lifeboat.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("watcher.volumePolicies[0].method = \"block\" is invalid: valid values are file, csi")
        .hasMessageContaining("snapshotter.csiTimeout = \"0s\" is invalid: valid values are at least 1s")
        .hasMessageContaining("snapshotter.csiSnapshotClass = \"Fast_Snapshots\" is invalid: valid values are a Kubernetes object name");
  }

  @Test
  void resourceBackupRunsHourlyWithTheChangeLogArchivedEveryFiveSecondsUnlessConfigured() {
    SnapshotterConfig defaults = loader.parse(VALID, "lifeboat.yaml").section(SnapshotterConfig.SECTION);
    assertThat(defaults.resourcesEvery()).isEqualTo(java.time.Duration.ofHours(1));
    assertThat(defaults.changelogEvery()).isEqualTo(java.time.Duration.ofSeconds(1));

    SnapshotterConfig set = loader.parse(VALID.replace("snapshotter:\n",
        "snapshotter:\n  resourcesEvery: 0s\n  changelogEvery: 2s\n"), "lifeboat.yaml").section(SnapshotterConfig.SECTION);
    assertThat(set.resourcesEvery()).isZero();
    assertThat(set.changelogEvery()).isEqualTo(java.time.Duration.ofSeconds(2));

    assertThatThrownBy(() -> loader.parse(VALID.replace("snapshotter:\n",
        "snapshotter:\n  changelogEvery: 10ms\n"), "lifeboat.yaml"))
        .hasMessageContaining("snapshotter.changelogEvery").hasMessageContaining("at least 100ms");
  }

  @Test
  void theDataMoverPodsOfRestoresAreConfiguredInTheRestoreSection() {
    dev.lifeboat.restore.DataMoverSettings defaults = loader.parse(VALID, "lifeboat.yaml")
        .section(dev.lifeboat.commands.RestoreConfig.SECTION).dataMover();
    assertThat(defaults.image()).isEqualTo(dev.lifeboat.restore.DataMoverSettings.fromEnvironment().image());
    assertThat(defaults.startTimeout()).isEqualTo(java.time.Duration.ofMinutes(5));
    assertThat(defaults.moversAtOnce()).isEqualTo(4);
    assertThat(defaults.owners()).isFalse();

    dev.lifeboat.restore.DataMoverSettings set = loader.parse(VALID + """
        restore:
          dataMoverImage: registry.example.com/mirror/lifeboat:0.1.0
          dataMoverStartTimeout: 90s
          dataMoversAtOnce: 8
          dataMoverOwners: true
        """, "lifeboat.yaml").section(dev.lifeboat.commands.RestoreConfig.SECTION).dataMover();
    assertThat(set.image()).isEqualTo("registry.example.com/mirror/lifeboat:0.1.0");
    assertThat(set.startTimeout()).isEqualTo(java.time.Duration.ofSeconds(90));
    assertThat(set.moversAtOnce()).isEqualTo(8);
    assertThat(set.owners()).isTrue();

    assertThatThrownBy(() -> loader.parse(VALID + """
        restore:
          dataMoversAtOnce: 0
          dataMoverStartTimeout: 0s
          dataMoverImages: typo
        """, "lifeboat.yaml"))
        .hasMessageContaining("restore.dataMoversAtOnce").hasMessageContaining("1 to 64")
        .hasMessageContaining("restore.dataMoverStartTimeout").hasMessageContaining("dataMoverImages");
    assertThat(LifeboatConfig.documentation()).contains("restore:", "dataMoverImage");
  }

  @Test
  void theVerifierSamplesAndRestoresIntoScratchTargetsAsConfigured() {
    VerifierConfig defaults = loader.parse(VALID, "lifeboat.yaml").section(VerifierConfig.SECTION);
    assertThat(defaults.enabled()).isTrue();
    assertThat(defaults.volumeFraction()).isEqualTo(0.1);
    assertThat(defaults.namespacesPerSnapshot()).isEqualTo(3);
    assertThat(defaults.rotationPeriod()).isEqualTo(java.time.Duration.ofDays(1));
    assertThat(defaults.scratchContext()).isEmpty();
    assertThat(defaults.namespacePrefix()).isEqualTo("lifeboat-verify");

    VerifierConfig set = loader.parse(VALID + """
        verifier:
          volumeFraction: 0.25
          namespacesPerSnapshot: 5
          rotationPeriod: 12h
          scratchContext: dr-scratch
          scratchDir: /var/lib/lifeboat/verify
        """, "lifeboat.yaml").section(VerifierConfig.SECTION);
    assertThat(set.volumeFraction()).isEqualTo(0.25);
    assertThat(set.namespacesPerSnapshot()).isEqualTo(5);
    assertThat(set.rotationPeriod()).isEqualTo(java.time.Duration.ofHours(12));
    assertThat(set.scratchContext()).isEqualTo("dr-scratch");
    assertThat(set.scratchDir()).isEqualTo(java.nio.file.Path.of("/var/lib/lifeboat/verify"));
  }

  @Test
  void aBadSamplingPolicyOrAVerifierWithoutItsKeyIsNamed() {
    assertThatThrownBy(() -> loader.parse(VALID + """
        verifier:
          volumeFraction: 1.5
          scratchContext: a
          designatedContext: b
        """, "lifeboat.yaml"))
        .hasMessageContaining("verifier.volumeFraction = 1.5 is invalid: valid values are a number from 0 to 1")
        .hasMessageContaining("verifier.designatedContext is used only without a scratch cluster");
    String withoutKey = VALID.replace("snapshotter:\n  masterKey: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "snapshotter:\n  enabled: false\n");
    assertThat(loader.parse(withoutKey, "lifeboat.yaml").section(VerifierConfig.SECTION).enabled()).isTrue(); // the plugin says why it waits
    assertThatThrownBy(() -> loader.parse(withoutKey + "verifier:\n  enabled: true\n", "lifeboat.yaml"))
        .hasMessageContaining("verifier.enabled = true needs repository.masterKey");
  }

  @Test
  void documentsEveryKey() {
    String docs = LifeboatConfig.documentation();
    assertThat(docs).contains("bootstrapServers", "replicationFactor", "stores.primary", "secretKey", "etcd", "status",
        "csiTimeout", "csiSnapshotClass", "method", "resourcesEvery", "changelogEvery", "verifier", "volumeFraction",
        "namespacesPerSnapshot", "rotationPeriod", "scratchContext", "designatedContext", "namespacePrefix", "scratchDir",
        "parallelism", "bandwidthLimit", "objectLockMode", "objectLockDays", "replicator:");
  }

  @Test
  void eachOffsiteStoreHasItsOwnParallelismBandwidthAndObjectLock() {
    LifeboatConfig defaults = loader.parse(VALID, "lifeboat.yaml");
    assertThat(defaults.stores().offsite().get(0).replication()).isEqualTo(ReplicationConfig.defaults());
    assertThat(defaults.section(ReplicatorConfig.SECTION).enabled()).isTrue();

    String yaml = VALID.replace("      region: us-east-1\n", """
                  region: us-east-1
                  parallelism: 8
                  bandwidthLimit: 50MB/s
                  objectLockMode: compliance
                  objectLockDays: 30
                - name: eu-north
                  endpoint: https://s3.eu-north-1.example.com
                  bucket: lifeboat-dr2
                  accessKey: c
                  secretKey: d
                  bandwidthLimit: 512KiB/s
            replicator:
              enabled: false
            """);
    LifeboatConfig config = loader.parse(yaml, "lifeboat.yaml");

    assertThat(config.stores().offsite()).hasSize(2);
    ReplicationConfig usEast = config.stores().offsite().get(0).replication();
    assertThat(usEast.parallelism()).isEqualTo(8);
    assertThat(usEast.bandwidthBytesPerSecond()).isEqualTo(50_000_000L);
    assertThat(usEast.objectLock()).contains(new ReplicationConfig.ObjectLock(ReplicationConfig.LockMode.COMPLIANCE, 30));
    ReplicationConfig euNorth = config.stores().offsite().get(1).replication();
    assertThat(euNorth.parallelism()).isEqualTo(ReplicationConfig.DEFAULT_PARALLELISM);
    assertThat(euNorth.bandwidthBytesPerSecond()).isEqualTo(512 * 1024L);
    assertThat(euNorth.objectLock()).isEmpty();
    assertThat(config.section(ReplicatorConfig.SECTION).enabled()).isFalse();
  }

  @Test
  void aWrongReplicationSettingIsNamedWithWhatWouldBeValid() {
    String yaml = VALID.replace("      region: us-east-1\n", """
                  region: us-east-1
                  parallelism: 0
                  bandwidthLimit: fast
                  objectLockMode: forever
                - name: us-east
                  endpoint: https://s3.us-east-2.example.com
                  bucket: lifeboat-dr3
                  accessKey: c
                  secretKey: d
                  objectLockDays: 7
            """).replace("    bucket: lifeboat-backups\n", "    bucket: lifeboat-backups\n    parallelism: 2\n");

    assertThatThrownBy(() -> loader.parse(yaml, "lifeboat.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("stores.offsite[0].parallelism = 0 is invalid: valid values are 1 to 64")
        .hasMessageContaining("stores.offsite[0].bandwidthLimit = \"fast\" is invalid: valid values are a rate such as 50MB/s")
        .hasMessageContaining("stores.offsite[0].objectLockMode = \"forever\" is invalid: valid values are governance or compliance")
        .hasMessageContaining("stores.offsite[1].objectLockMode is required with objectLockDays")
        .hasMessageContaining("stores.offsite[1].name = us-east is the name of another store")
        .hasMessageContaining("stores.primary.parallelism is not a known key");
  }

  @Test
  void theMasterKeyLivesInTheRepositorySectionAndIsStillReadFromItsFormerPlace() {
    String key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    LifeboatConfig legacy = loader.parse(VALID, "lifeboat.yaml");
    assertThat(legacy.masterKey()).as("snapshotter.masterKey, as files written before the repository section have it").hasSize(32);
    LifeboatConfig current = loader.parse(VALID.replace("snapshotter:\n  masterKey: " + key + "\n", "repository:\n  masterKey: " + key + "\n"),
        "lifeboat.yaml");
    assertThat(current.masterKey()).hasSize(32);
    assertThat(current.section(SnapshotterConfig.SECTION).masterKey()).isEqualTo(current.masterKey());
  }

  @Test
  void everyWorkerSectionIsInTheDocsThroughItsPlugin() {
    assertThat(LifeboatConfig.documentation()).contains("watcher:", "watcher.volumePolicies[]:", "snapshotter:", "verifier:",
        "replicator:", "repository:", "deliveryTimeout", "minInSyncReplicas");
  }

  @TempDir
  Path dir;

  private Path file(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }

  private List<String> problems(String yaml) {
    try {
      loader.parse(yaml, "lifeboat.yaml");
    } catch (ConfigException e) {
      return e.problems();
    }
    throw new AssertionError("the configuration was accepted");
  }

  @Test
  void theRegistryIsReachedOverHttpsTrustingItsCaAndSigningInWithAPasswordFromTheEnvironment() throws IOException {
    Path ca = file("ca.pem", "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
    String yaml = VALID.replace("  url: http://registry:8081\n", "  url: https://registry:8081\n  caFile: " + ca
        + "\n  username: lifeboat\n  password: ${REGISTRY_PASSWORD}\n");

    LifeboatConfig config = new ConfigLoader(Map.of("S3_KEY", "AKIA1", "S3_SECRET", "s3cr3t", "REGISTRY_PASSWORD", "pa55word"))
        .parse(yaml, "lifeboat.yaml");

    assertThat(config.registry().url()).isEqualTo("https://registry:8081");
    assertThat(config.registry().caFile()).isEqualTo(ca.toString());
    assertThat(config.registry().username()).isEqualTo("lifeboat");
    assertThat(config.registry().password()).isEqualTo("pa55word");
    assertThat(config.registry().toString()).contains("lifeboat").doesNotContain("pa55word");
    assertThat(config.toString()).doesNotContain("pa55word", "s3cr3t");
  }

  @Test
  void aRegistryUserWithoutPasswordAMissingCaFileAndACaFileForPlainHttpAreNamed() throws IOException {
    assertThat(problems(VALID.replace("  url: http://registry:8081\n", "  url: http://registry:8081\n  username: lifeboat\n")))
        .containsExactly("registry.password is missing: username and password go together");
    assertThat(problems(VALID.replace("  url: http://registry:8081\n", "  url: http://registry:8081\n  password: pa55word\n")))
        .singleElement().asString().startsWith("registry.username is missing").doesNotContain("pa55word");
    assertThat(problems(VALID.replace("  url: http://registry:8081\n", "  url: https://registry:8081\n  caFile: /no/such/ca.pem\n")))
        .containsExactly("registry.caFile = \"/no/such/ca.pem\" is invalid: valid values are " + Validators.READABLE_FILE);
    Path ca = file("ca.pem", "-----BEGIN CERTIFICATE-----\n");
    assertThat(problems(VALID.replace("  url: http://registry:8081\n", "  url: http://registry:8081\n  caFile: " + ca + "\n")))
        .containsExactly("registry.caFile is set, but url http://registry:8081 is not https://: use https:// or drop caFile");
  }

  @Test
  void aStoreReadsItsKeysFromTheFilesOfAMountedSecretAndTrustsAPrivateCa() throws IOException {
    Path ca = file("ca.pem", "-----BEGIN CERTIFICATE-----\n");
    Path accessKey = file("access-key", "AKIA-FROM-FILE\n");
    Path secretKey = file("secret-key", "s3cr3t-from-file\n");
    String yaml = VALID.replace("    accessKey: ${S3_KEY}\n    secretKey: ${S3_SECRET}\n", "    caFile: " + ca
        + "\n    accessKeyFile: " + accessKey + "\n    secretKeyFile: " + secretKey + "\n");

    LifeboatConfig.StoreConfig primary = loader.parse(yaml, "lifeboat.yaml").stores().primary();

    assertThat(primary.accessKey()).isNull();
    assertThat(primary.secretKey()).isNull();
    assertThat(primary.access()).isEqualTo(new StoreAccess(ca.toString(), accessKey.toString(), secretKey.toString()));
    assertThat(primary.access().keysFromFiles()).isTrue();
    assertThat(primary.toString()).contains(secretKey.toString()).doesNotContain("s3cr3t");
    assertThat(loader.parse(VALID, "lifeboat.yaml").stores().primary().access()).isEqualTo(StoreAccess.DEFAULT);
  }

  @Test
  void aStoreHasItsKeysExactlyOneWayAndItsFilesMustBeThere() throws IOException {
    Path accessKey = file("access-key", "AKIA-FROM-FILE");
    Path secretKey = file("secret-key", "s3cr3t-from-file");
    Path empty = file("empty", "");
    String inline = "    accessKey: ${S3_KEY}\n    secretKey: ${S3_SECRET}\n";
    String files = "    accessKeyFile: " + accessKey + "\n    secretKeyFile: " + secretKey + "\n";

    assertThat(problems(VALID.replace(inline, inline + files))).containsExactly("stores.primary.accessKey and accessKeyFile"
        + " are both set: give the keys one way, either accessKey and secretKey, or accessKeyFile and secretKeyFile");
    assertThat(problems(VALID.replace(inline, ""))).singleElement().asString()
        .startsWith("stores.primary.accessKey is required: give accessKey and secretKey");
    assertThat(problems(VALID.replace(inline, "    accessKey: ${S3_KEY}\n")))
        .containsExactly("stores.primary.secretKey is missing: accessKey and secretKey go together");
    assertThat(problems(VALID.replace(inline, "    accessKeyFile: " + accessKey + "\n")))
        .containsExactly("stores.primary.secretKeyFile is missing: accessKeyFile and secretKeyFile go together");
    assertThat(problems(VALID.replace(inline, files.replace(secretKey.toString(), "/no/such/secret"))))
        .containsExactly("stores.primary.secretKeyFile = \"/no/such/secret\" is invalid: valid values are " + Validators.READABLE_FILE);
    assertThat(problems(VALID.replace(inline, files.replace(accessKey.toString(), empty.toString()))))
        .containsExactly("stores.primary.accessKeyFile = \"" + empty + "\" is invalid: valid values are " + Validators.READABLE_FILE);
    assertThat(problems(VALID.replace("endpoint: https://s3.us-east-1.example.com", "endpoint: http://s3.us-east-1.example.com\n"
        + "      caFile: " + accessKey)))
        .containsExactly("stores.offsite[0].caFile is set, but endpoint http://s3.us-east-1.example.com is not https://:"
            + " use https:// or drop caFile");
  }

  @Test
  void documentsTheTlsAndCredentialKeys() {
    String docs = LifeboatConfig.documentation();
    assertThat(docs).contains("caFile", "username", "password", "accessKeyFile", "secretKeyFile");
  }
}
