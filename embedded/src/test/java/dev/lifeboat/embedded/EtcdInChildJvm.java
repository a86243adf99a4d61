package dev.lifeboat.embedded;

import java.nio.file.Path;

/**
 * Starts an {@link EmbeddedEtcd} and then waits to be killed, so {@link EmbeddedEtcdIT} can check
 * that etcd does not outlive a JVM that dies without running its shutdown hooks.
 *
 * <p>Usage: {@code EtcdInChildJvm <dataDir>}. Prints {@code etcd-started pid=<pid> port=<port>}
 * once etcd is healthy.
 */
public final class EtcdInChildJvm {

  static final String STARTED = "etcd-started";

  private EtcdInChildJvm() {}

  public static void main(String[] args) throws InterruptedException {
    EmbeddedEtcd etcd = EmbeddedEtcd.start(Path.of(args[0]), 0);
    System.out.println(STARTED + " pid=" + etcd.pid() + " port=" + etcd.clientPort());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
