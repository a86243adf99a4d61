package dev.lifeboat.runtime;

/**
 * A worker module's entry point, found with {@link java.util.ServiceLoader} (declare it in {@code
 * META-INF/services/dev.lifeboat.runtime.WorkerPlugin}). The CLI starts every plugin on the class
 * path, so a worker joins {@code lifeboat demo} and {@code lifeboat run} by being a dependency of the
 * CLI module; workers never know of each other.
 */
public interface WorkerPlugin {

  /** Short name: watcher, snapshotter, replicator, verifier, commands. */
  String name();

  /**
   * The configuration sections this worker owns, read and validated with the shared ones and listed by
   * {@code lifeboat config docs}; none by default.
   */
  default java.util.List<dev.lifeboat.config.ConfigSection<?>> configSections() {
    return java.util.List.of();
  }

  /**
   * Starts this plugin's workers and background tasks in the process.
   *
   * @return what stops them; called before the shared runtime closes
   */
  AutoCloseable start(ProcessContext context) throws Exception;
}
