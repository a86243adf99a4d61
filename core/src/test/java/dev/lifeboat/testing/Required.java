package dev.lifeboat.testing;

import dev.lifeboat.embedded.EmbeddedEtcd;

/**
 * Tools a test needs and cannot run without. A missing tool fails the test, saying what to install:
 * a test that skips itself green when its component is missing hides exactly what it exists to show.
 */
public final class Required {
  private Required() {}

  /** etcd and etcdctl (Debian's etcd-server and etcd-client; .ci/run installs them). */
  public static void etcd() {
    if (!EmbeddedEtcd.isInstalled()) {
      throw new AssertionError("this test needs etcd and etcdctl, which are not on the PATH: "
          + "apt-get install -y etcd-server etcd-client (.ci/run installs them)");
    }
  }
}
