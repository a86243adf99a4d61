package dev.lifeboat.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * A top-level section of the configuration that a worker module owns (as Debezium's connectors own
 * their configuration): the module declares it, its plugin contributes it
 * ({@link dev.lifeboat.runtime.WorkerPlugin#configSections()}), and the loader reads and validates it
 * with the shared sections, so every problem of a file is reported at once and {@code lifeboat config
 * docs} lists every key. Core keeps the sections every worker shares (cluster, kafka, registry,
 * stores, kubernetes, etcd, status, encryption, repository, retention).
 *
 * @param <T> the section's immutable, typed value
 */
public interface ConfigSection<T> {

  /** The top-level key, e.g. {@code watcher}. */
  String name();

  /** The section when the file has none. */
  T defaults();

  /**
   * Reads and validates the section; problems go to {@code reader} (they name their key). {@code
   * shared} holds the shared sections, for checks that span them (a verifier needs an off-region
   * store).
   */
  T read(ConfigReader reader, LifeboatConfig shared);

  /** The section's keys, and those of its subsections (e.g. {@code watcher.volumePolicies[]}), for the docs. */
  default Map<String, List<Field<?>>> documentation() {
    Map<String, List<Field<?>>> docs = new LinkedHashMap<>();
    docs.put(name(), fields());
    return docs;
  }

  /** The section's own keys. */
  List<Field<?>> fields();

  /** A section of keys {@code fields}, without subsections: what most sections are. */
  static <T> ConfigSection<T> of(String name, Supplier<T> defaults, BiFunction<ConfigReader, LifeboatConfig, T> read,
      Supplier<List<Field<?>>> fields) {
    return new ConfigSection<>() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public T defaults() {
        return defaults.get();
      }

      @Override
      public T read(ConfigReader reader, LifeboatConfig shared) {
        return read.apply(reader, shared);
      }

      @Override
      public List<Field<?>> fields() {
        return fields.get();
      }
    };
  }
}
