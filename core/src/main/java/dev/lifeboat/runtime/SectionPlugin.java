package dev.lifeboat.runtime;

import dev.lifeboat.config.ConfigSection;
import java.util.List;

/**
 * A plugin configured by one section of its own ({@code watcher}, {@code replicator}, ...): it names
 * itself and its section once, and reads its settings with {@link #settings}. A subclass keeps the
 * public no-argument constructor {@link java.util.ServiceLoader} needs.
 */
public abstract class SectionPlugin<C> implements WorkerPlugin {
  private final String name;
  private final ConfigSection<C> section;

  protected SectionPlugin(String name, ConfigSection<C> section) {
    this.name = name;
    this.section = section;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final List<ConfigSection<?>> configSections() {
    return List.of(section);
  }

  /** This plugin's settings in the process's configuration. */
  protected final C settings(ProcessContext context) {
    return context.config().section(section);
  }
}
