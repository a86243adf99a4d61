package dev.lifeboat.config;

import dev.lifeboat.schemas.topics.TopicCreator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a Lifeboat process needs to know, one immutable record per concern. Core declares the
 * sections every worker shares (cluster, kafka, registry, stores, kubernetes, etcd, status,
 * encryption, repository, retention); each worker module declares its own section ({@link
 * ConfigSection}), read with the rest and found with {@link #section}. Read with {@link
 * ConfigLoader}; every key is declared once with its default, documentation and validation, and
 * {@link #documentation} prints them all.
 *
 * @param repository the repository's master key, shared by everything that reads or writes it
 * @param sections the worker sections read, by name; a section the file lacks has its defaults
 */
public record LifeboatConfig(
    ClusterConfig cluster,
    KafkaConfig kafka,
    RegistryConfig registry,
    StoresConfig stores,
    KubernetesConfig kubernetes,
    Optional<EtcdConfig> etcd,
    StatusConfig status,
    Optional<EncryptionConfig> encryption,
    RepositoryConfig repository,
    RetentionConfig retention,
    Map<String, Object> sections) {

  public LifeboatConfig {
    sections = Map.copyOf(sections);
  }

  /** The shared sections alone; worker sections at their defaults until {@link #with} sets them. */
  public LifeboatConfig(ClusterConfig cluster, KafkaConfig kafka, RegistryConfig registry, StoresConfig stores,
      KubernetesConfig kubernetes, Optional<EtcdConfig> etcd, StatusConfig status, Optional<EncryptionConfig> encryption,
      RepositoryConfig repository, RetentionConfig retention) {
    this(cluster, kafka, registry, stores, kubernetes, etcd, status, encryption, repository, retention, Map.of());
  }

  /** A worker's section: as the file gave it, else its defaults. */
  public <T> T section(ConfigSection<T> section) {
    Object value = sections.get(section.name());
    return value == null ? section.defaults() : cast(value);
  }

  /** The same configuration with {@code value} as the worker section {@code section}. */
  public <T> LifeboatConfig with(ConfigSection<T> section, T value) {
    Map<String, Object> more = new LinkedHashMap<>(sections);
    more.put(section.name(), value);
    return new LifeboatConfig(cluster, kafka, registry, stores, kubernetes, etcd, status, encryption, repository, retention, more);
  }

  /** The repository's master key, or null when none is configured. */
  public byte[] masterKey() {
    return repository.masterKey();
  }

  @SuppressWarnings("unchecked")
  private static <T> T cast(Object value) {
    return (T) value;
  }

  /** The protected cluster. */
  public record ClusterConfig(String name) {
    static final Field<String> NAME = Field.string("name", "Name of the protected cluster; part of every record key and repository prefix.")
        .withDefault("default").validate(Validators::dnsName, Validators.DNS_NAME);

    static ClusterConfig read(ConfigReader r) {
      ClusterConfig c = new ClusterConfig(r.get(NAME));
      r.rejectUnknown(List.of());
      return c;
    }
  }

  /**
   * Kafka: where every topic lives, and how every client reaches it.
   *
   * @param properties extra client properties, applied to every client; never the ones {@code
   *     security} owns (security.protocol, ssl.*, sasl.*)
   * @param minInSyncReplicas {@code min.insync.replicas} of the topics Lifeboat creates: how many
   *     replicas hold a record before it is acknowledged (every Lifeboat producer uses acks=all)
   * @param security TLS and SASL ({@code kafka.security})
   */
  public record KafkaConfig(String bootstrapServers, String groupPrefix, int replicationFactor, String compression,
      Map<String, String> properties, int minInSyncReplicas, KafkaSecurityConfig security) {
    static final Field<String> BOOTSTRAP = Field.string("bootstrapServers", "Kafka bootstrap servers.")
        .validate(Validators::hostPorts, Validators.HOST_PORTS);
    static final Field<String> GROUP_PREFIX = Field.string("groupPrefix", "Prefix of every consumer group id; the worker name follows.")
        .withDefault("lifeboat-");
    static final Field<Integer> REPLICATION = Field.integer("replicationFactor",
        "Replication factor of the topics Lifeboat creates (3 on a production cluster).")
        .withDefault(3).validate(v -> v >= 1 && v <= 32, "1 to 32");
    static final Field<Integer> MIN_INSYNC = Field.integer("minInSyncReplicas",
        "min.insync.replicas of the topics Lifeboat creates: replicas that hold a record before acks=all acknowledges it. "
            + "Default: one fewer than replicationFactor, at least 1 (2 of 3: writes go on while one broker is down).")
        .optional().validate(v -> v >= 1 && v <= 32, "1 to 32, at most replicationFactor");
    static final Field<String> COMPRESSION = Field.string("compression",
        "Compression of what Lifeboat produces. gzip is decoded by every Kafka client without plugins; lz4 and zstd cost less CPU.")
        .withDefault("gzip").validate(c -> List.of("none", "gzip", "snappy", "lz4", "zstd").contains(c), "none, gzip, snappy, lz4, zstd");
    static final String PROPERTIES = "properties";
    static final String SECURITY = "security";

    public KafkaConfig {
      properties = Map.copyOf(properties);
      java.util.Objects.requireNonNull(security, "security");
    }

    /** A plaintext configuration whose topics get the default {@code min.insync.replicas} for their replication factor. */
    public KafkaConfig(String bootstrapServers, String groupPrefix, int replicationFactor, String compression,
        Map<String, String> properties) {
      this(bootstrapServers, groupPrefix, replicationFactor, compression, properties,
          TopicCreator.defaultMinInSync(replicationFactor));
    }

    /** A plaintext configuration. */
    public KafkaConfig(String bootstrapServers, String groupPrefix, int replicationFactor, String compression,
        Map<String, String> properties, int minInSyncReplicas) {
      this(bootstrapServers, groupPrefix, replicationFactor, compression, properties, minInSyncReplicas,
          KafkaSecurityConfig.PLAINTEXT);
    }

    /**
     * The extra client properties every Kafka client of the process gets, plus compression; the
     * security properties come from {@link #security} ({@link KafkaSecurityConfig#clientProperties()}).
     */
    public Map<String, String> clientProperties() {
      Map<String, String> props = new LinkedHashMap<>(properties);
      props.put("compression.type", compression);
      return props;
    }

    static KafkaConfig read(ConfigReader r) {
      int replication = orZero(r.get(REPLICATION));
      Integer minInSync = r.get(MIN_INSYNC);
      if (minInSync != null && minInSync > replication) {
        r.reportProblem(MIN_INSYNC.name(), "is " + minInSync + ", more than replicationFactor " + replication
            + ": no write could ever be acknowledged; use 1 to " + replication);
      }
      Map<String, String> properties = r.map(PROPERTIES);
      for (String property : properties.keySet()) {
        String owner = KafkaSecurityConfig.ownerOf(property);
        if (owner != null) {
          r.reportProblem(PROPERTIES + "." + property, "is set by the kafka.security section: use " + owner + " instead");
        }
      }
      KafkaSecurityConfig security = KafkaSecurityConfig.read(r.section(SECURITY));
      KafkaConfig c = new KafkaConfig(r.get(BOOTSTRAP), r.get(GROUP_PREFIX), replication, r.get(COMPRESSION),
          properties, minInSync == null ? TopicCreator.defaultMinInSync(replication) : minInSync, security);
      r.rejectUnknown(List.of());
      return c;
    }
  }

  /**
   * The Confluent-compatible schema registry.
   *
   * @param caFile PEM CA certificate(s) to trust for an https:// URL instead of the JDK's CAs; null: the JDK's
   * @param username with {@code password}, sent with every request (HTTP basic auth); null: none
   */
  public record RegistryConfig(String url, String caFile, String username, String password) {
    static final Field<String> URL = Field.string("url", "Schema registry URL (http:// or https://).")
        .validate(Validators::httpUrl, Validators.HTTP_URL);
    static final Field<String> CA_FILE = Field.string("caFile",
        "CA certificate (PEM) that signed an https:// registry's certificate; only it is trusted. Absent: the JDK's CAs.")
        .optional().validate(Validators::readableFile, Validators.READABLE_FILE);
    static final Field<String> USERNAME = Field.string("username", "User for HTTP basic auth, with password.").optional();
    static final Field<String> PASSWORD = Field.string("password",
        "Password for HTTP basic auth, with username; ${ENV_VAR} reads it from the environment.").optional().secret();

    /** A registry reached without TLS settings or credentials. */
    public RegistryConfig(String url) {
      this(url, null, null, null);
    }

    static RegistryConfig read(ConfigReader r) {
      RegistryConfig c = new RegistryConfig(r.get(URL), r.get(CA_FILE), r.get(USERNAME), r.get(PASSWORD));
      if ((c.username == null) != (c.password == null)) {
        r.reportProblem(c.username == null ? "username" : "password", "is missing: username and password go together");
      }
      if (c.caFile != null && c.url != null && !Validators.isHttps(c.url)) {
        r.reportProblem("caFile", "is set, but url " + c.url + " is not https://: use https:// or drop caFile");
      }
      r.rejectUnknown(List.of());
      return c;
    }

    /** A client for this registry, trusting {@code caFile} (when set) and signing in (when credentials are set). */
    public dev.lifeboat.schemas.registry.HttpSchemaRegistryClient newClient() {
      return new dev.lifeboat.schemas.registry.HttpSchemaRegistryClient(url,
          dev.lifeboat.schemas.registry.HttpSchemaRegistryClient.DEFAULT_TIMEOUT,
          caFile == null ? null : dev.lifeboat.tls.PemFiles.clientContext(java.nio.file.Path.of(caFile)), username, password);
    }

    @Override
    public String toString() {
      return "RegistryConfig[url=" + url + ", caFile=" + caFile + ", username=" + username + ", password="
          + (password == null ? null : "***") + "]";
    }
  }

  /**
   * One S3-compatible object store holding a repository.
   *
   * @param accessKey the access key id; null when {@code access} reads the keys from files
   * @param secretKey the secret access key; null when {@code access} reads the keys from files
   * @param replication how the replicator copies to this store (off-region stores only; the primary's
   *     is the default and unused)
   * @param access the CA trusted for the endpoint, and the key files when the keys are not inline
   */
  public record StoreConfig(String name, String endpoint, String bucket, String prefix, String accessKey, String secretKey,
      String region, ReplicationConfig replication, StoreAccess access) {
    static final Field<String> NAME = Field.string("name", "Short name of the store, used in records and metrics.")
        .validate(Validators::dnsName, Validators.DNS_NAME);
    static final Field<String> ENDPOINT = Field.string("endpoint", "S3 endpoint URL (http:// or https://).")
        .validate(Validators::httpUrl, Validators.HTTP_URL);
    static final Field<String> BUCKET = Field.string("bucket", "Bucket (must exist).")
        .validate(b -> b.matches("[a-z0-9][a-z0-9.\\-]{1,61}[a-z0-9]"), "an S3 bucket name: 3-63 lower-case letters, digits, '.' and '-'");
    static final Field<String> PREFIX = Field.string("prefix", "Key prefix of the repository inside the bucket.")
        .withDefault("lifeboat").validate(p -> !p.startsWith("/") && !p.endsWith("/"), "a key prefix without leading or trailing '/'");
    static final Field<String> ACCESS_KEY = Field.string("accessKey",
        "Access key id; ${ENV_VAR} reads it from the environment. Required unless accessKeyFile is set.").optional();
    static final Field<String> SECRET_KEY = Field.string("secretKey",
        "Secret access key; ${ENV_VAR} reads it from the environment. Required unless secretKeyFile is set.").optional()
        .secret();
    static final Field<String> REGION = Field.string("region", "Region name, when the store needs one.").optional();

    /** A store the replicator copies to with its defaults (or the primary store), keys inline. */
    public StoreConfig(String name, String endpoint, String bucket, String prefix, String accessKey, String secretKey,
        String region) {
      this(name, endpoint, bucket, prefix, accessKey, secretKey, region, ReplicationConfig.defaults());
    }

    /** A store with its keys inline, trusting the JDK's CAs. */
    public StoreConfig(String name, String endpoint, String bucket, String prefix, String accessKey, String secretKey,
        String region, ReplicationConfig replication) {
      this(name, endpoint, bucket, prefix, accessKey, secretKey, region, replication, StoreAccess.DEFAULT);
    }

    public StoreConfig {
      java.util.Objects.requireNonNull(replication, "replication");
      java.util.Objects.requireNonNull(access, "access");
    }

    /** The same store, copied to as {@code settings} say. */
    public StoreConfig withReplication(ReplicationConfig settings) {
      return new StoreConfig(name, endpoint, bucket, prefix, accessKey, secretKey, region, settings, access);
    }

    /** The same store, reached and signed in to as {@code settings} say. */
    public StoreConfig withAccess(StoreAccess settings) {
      return new StoreConfig(name, endpoint, bucket, prefix, accessKey, secretKey, region, replication, settings);
    }

    static StoreConfig read(ConfigReader r, String defaultName, boolean offsite) {
      String name = r.has("name") ? r.get(NAME) : defaultName;
      ReplicationConfig replication = offsite ? ReplicationConfig.read(r) : ReplicationConfig.defaults();
      String endpoint = r.get(ENDPOINT);
      String accessKey = r.get(ACCESS_KEY);
      String secretKey = r.get(SECRET_KEY);
      StoreAccess access = StoreAccess.read(r, endpoint, r.has(ACCESS_KEY.name()), r.has(SECRET_KEY.name()));
      StoreConfig store = new StoreConfig(name, endpoint, r.get(BUCKET), r.get(PREFIX), accessKey, secretKey,
          r.get(REGION), replication, access);
      r.rejectUnknown(List.of());
      return store;
    }

    @Override
    public String toString() {
      return "StoreConfig[name=" + name + ", endpoint=" + endpoint + ", bucket=" + bucket + ", prefix=" + prefix
          + ", accessKey=" + accessKey + ", secretKey=" + (secretKey == null ? null : "***") + ", region=" + region
          + ", replication=" + replication + ", access=" + access + "]";
    }
  }

  /** The primary repository and its off-region copies. */
  public record StoresConfig(StoreConfig primary, List<StoreConfig> offsite) {
    static StoresConfig read(ConfigReader r) {
      StoreConfig primary = StoreConfig.read(r.section("primary"), "primary", false);
      List<StoreConfig> offsite = new ArrayList<>();
      List<ConfigReader> sections = r.sections("offsite");
      for (int i = 0; i < sections.size(); i++) {
        offsite.add(StoreConfig.read(sections.get(i), "offsite-" + (i + 1), true));
      }
      java.util.Set<String> names = new java.util.HashSet<>();
      names.add(primary.name());
      for (int i = 0; i < offsite.size(); i++) {
        if (offsite.get(i).name() != null && !names.add(offsite.get(i).name())) {
          r.reportProblem("offsite[" + i + "].name", "= " + offsite.get(i).name() + " is the name of another store;"
              + " every store needs its own name (it names the store in records, metrics and consumer groups)");
        }
      }
      r.rejectUnknown(List.of("primary", "offsite"));
      return new StoresConfig(primary, List.copyOf(offsite));
    }
  }

  /** The Kubernetes API of the protected cluster. */
  public record KubernetesConfig(String kubeconfig, String context) {
    static final Field<String> KUBECONFIG = Field.string("kubeconfig",
        "Path of the kubeconfig file; absent: in-cluster service account, then ~/.kube/config.").optional();
    static final Field<String> CONTEXT = Field.string("context", "Context of the kubeconfig to use; absent: its current context.").optional();

    static KubernetesConfig read(ConfigReader r) {
      KubernetesConfig c = new KubernetesConfig(r.get(KUBECONFIG), r.get(CONTEXT));
      r.rejectUnknown(List.of());
      return c;
    }
  }

  /** The control plane's etcd, for etcd snapshots. */
  public record EtcdConfig(List<String> endpoints, String caFile, String certFile, String keyFile) {
    static final Field<List<String>> ENDPOINTS = Field.strings("endpoints", "etcd client URLs.")
        .validate(Validators.allHttpUrls(), "a list of http:// or https:// URLs, e.g. [https://10.0.0.1:2379]");
    static final Field<String> CA = Field.string("caFile", "CA certificate (PEM) that signed etcd's server certificate.").optional();
    static final Field<String> CERT = Field.string("certFile", "Client certificate (PEM).").optional();
    static final Field<String> KEY = Field.string("keyFile", "Client private key (PEM).").optional();

    static EtcdConfig read(ConfigReader r) {
      EtcdConfig etcd = new EtcdConfig(r.get(ENDPOINTS), r.get(CA), r.get(CERT), r.get(KEY));
      if ((etcd.certFile == null) != (etcd.keyFile == null)) {
        r.reportProblem("certFile", "and keyFile must be given together");
      }
      r.rejectUnknown(List.of());
      return etcd;
    }
  }

  /** The status page, health and metrics endpoint. */
  public record StatusConfig(String host, int port) {
    static final Field<String> HOST = Field.string("host", "Address the status server binds.").withDefault("127.0.0.1");
    static final Field<Integer> PORT = Field.integer("port", "Port of the status server (/, /status, /health, /metrics).")
        .withDefault(8080).validate(Validators::port, Validators.PORT);

    static StatusConfig read(ConfigReader r) {
      StatusConfig c = new StatusConfig(r.get(HOST), orZero(r.get(PORT)));
      r.rejectUnknown(List.of());
      return c;
    }
  }

  private static int orZero(Integer value) {
    return value == null ? 0 : value;
  }

  static LifeboatConfig read(ConfigReader root, List<ConfigSection<?>> workerSections) {
    ClusterConfig cluster = ClusterConfig.read(root.section("cluster"));
    KafkaConfig kafka = KafkaConfig.read(root.section("kafka"));
    RegistryConfig registry = RegistryConfig.read(root.section("registry"));
    StoresConfig stores = StoresConfig.read(root.section("stores"));
    KubernetesConfig kubernetes = KubernetesConfig.read(root.section("kubernetes"));
    boolean hasEtcd = root.has("etcd");
    ConfigReader etcdSection = root.section("etcd");
    Optional<EtcdConfig> etcd = hasEtcd ? Optional.of(EtcdConfig.read(etcdSection)) : Optional.empty();
    StatusConfig status = StatusConfig.read(root.section("status"));
    boolean hasEncryption = root.has("encryption");
    ConfigReader encryptionSection = root.section("encryption");
    Optional<EncryptionConfig> encryption = hasEncryption ? Optional.of(EncryptionConfig.read(encryptionSection)) : Optional.empty();
    RepositoryConfig repository = RepositoryConfig.read(root);
    RetentionConfig retention = RetentionConfig.read(root.section("retention"));
    LifeboatConfig shared = new LifeboatConfig(cluster, kafka, registry, stores, kubernetes, etcd, status, encryption, repository,
        retention);
    Map<String, Object> sections = new LinkedHashMap<>();
    for (ConfigSection<?> section : workerSections) {
      // read even when absent: its defaults are checked against the shared sections too
      sections.put(section.name(), section.read(root.section(section.name()), shared));
    }
    root.rejectUnknown(List.of());
    return new LifeboatConfig(cluster, kafka, registry, stores, kubernetes, etcd, status, encryption, repository, retention,
        sections);
  }

  /** Every key, its type, default and meaning: what {@code lifeboat config docs} prints. */
  public static String documentation() {
    return ConfigDocumentation.of(ConfigLoader.pluginSections());
  }
}
