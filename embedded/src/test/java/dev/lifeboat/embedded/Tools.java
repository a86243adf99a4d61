package dev.lifeboat.embedded;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The machine's tools a test cannot run without. A missing tool fails the test, saying what to
 * install: a test that skips itself green when its tool is missing hides what it exists to show.
 */
final class Tools {

  private Tools() {}

  /** etcd and etcdctl (Debian's etcd-server and etcd-client; .ci/run installs them). */
  static Path etcdctl() {
    if (!EmbeddedEtcd.isInstalled()) {
      throw new AssertionError("this test needs etcd and etcdctl, which are not on the PATH: "
          + "apt-get install -y etcd-server etcd-client (.ci/run installs them)");
    }
    return find("etcdctl").orElseThrow(() -> new AssertionError(
        "this test needs etcdctl, which is not on the PATH: apt-get install -y etcd-client"));
  }

  /** The real kubectl (1.32 on the build machines), on the PATH or in /usr/local/bin. */
  static Path kubectl() {
    return find("kubectl").orElseThrow(() -> new AssertionError(
        "this test drives the real kubectl, which is neither on the PATH nor in /usr/local/bin: "
            + "install kubectl 1.27 or later"));
  }

  private static Optional<Path> find(String binary) {
    String path = System.getenv().getOrDefault("PATH", "");
    return Stream.concat(Stream.of(path.split(File.pathSeparator)), Stream.of("/usr/local/bin", "/usr/bin"))
        .filter(dir -> !dir.isEmpty())
        .map(dir -> Path.of(dir, binary))
        .filter(Files::isExecutable)
        .findFirst();
  }
}
