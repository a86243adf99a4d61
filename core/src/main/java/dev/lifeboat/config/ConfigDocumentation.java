package dev.lifeboat.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What {@code lifeboat config docs} prints: every key of the shared and the worker sections, its type, default and meaning. */
final class ConfigDocumentation {
  private ConfigDocumentation() {}

  static String of(List<ConfigSection<?>> workerSections) {
    Map<String, List<Field<?>>> sections = new LinkedHashMap<>();
    sections.put("cluster", List.of(LifeboatConfig.ClusterConfig.NAME));
    sections.put("kafka", List.of(LifeboatConfig.KafkaConfig.BOOTSTRAP, LifeboatConfig.KafkaConfig.GROUP_PREFIX, LifeboatConfig.KafkaConfig.REPLICATION, LifeboatConfig.KafkaConfig.MIN_INSYNC,
        LifeboatConfig.KafkaConfig.COMPRESSION));
    sections.putAll(KafkaSecurityConfig.documentation());
    sections.put("registry", List.of(LifeboatConfig.RegistryConfig.URL, LifeboatConfig.RegistryConfig.CA_FILE,
        LifeboatConfig.RegistryConfig.USERNAME, LifeboatConfig.RegistryConfig.PASSWORD));
    List<Field<?>> store = new ArrayList<>(List.of(LifeboatConfig.StoreConfig.NAME, LifeboatConfig.StoreConfig.ENDPOINT, LifeboatConfig.StoreConfig.BUCKET, LifeboatConfig.StoreConfig.PREFIX,
        LifeboatConfig.StoreConfig.ACCESS_KEY, LifeboatConfig.StoreConfig.SECRET_KEY, LifeboatConfig.StoreConfig.REGION));
    store.addAll(StoreAccess.fields());
    sections.put("stores.primary", store);
    List<Field<?>> offsite = new ArrayList<>(store);
    offsite.addAll(ReplicationConfig.fields());
    sections.put("stores.offsite[]", offsite);
    sections.put("kubernetes", List.of(LifeboatConfig.KubernetesConfig.KUBECONFIG, LifeboatConfig.KubernetesConfig.CONTEXT));
    sections.put("etcd (optional section)", List.of(LifeboatConfig.EtcdConfig.ENDPOINTS, LifeboatConfig.EtcdConfig.CA, LifeboatConfig.EtcdConfig.CERT, LifeboatConfig.EtcdConfig.KEY));
    sections.put("status", List.of(LifeboatConfig.StatusConfig.HOST, LifeboatConfig.StatusConfig.PORT));
    sections.put("encryption (activeKey, keys[]: id, key)", EncryptionConfig.fields());
    sections.put("repository", RepositoryConfig.fields());
    sections.put("retention", RetentionConfig.fields());
    for (ConfigSection<?> section : workerSections) {
      sections.putAll(section.documentation());
    }
    StringBuilder out = new StringBuilder();
    sections.forEach((name, fields) -> {
      out.append(name).append(":\n");
      for (Field<?> f : fields) {
        out.append(String.format("  %-22s %-16s %s%n", f.name(), f.required() ? "required" : "default " + (f.defaultValue() == null ? "-" : f.defaultValue()), f.doc()));
        if (f.validDescription() != null) {
          out.append(String.format("  %-22s %-16s valid: %s%n", "", "", f.validDescription()));
        }
      }
      if (name.equals("kafka")) {
        out.append(String.format("  %-22s %-16s %s%n", "properties", "default {}", "Extra Kafka client properties, applied to every client;"));
        out.append(String.format("  %-22s %-16s %s%n", "", "", "not security.protocol, ssl.* or sasl.*: kafka.security sets those."));
      }
    });
    return out.toString();
  }
}
