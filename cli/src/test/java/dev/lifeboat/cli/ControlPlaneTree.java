package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/** A tree laid out like a kubeadm control-plane node's /etc/kubernetes, and how a restore of it is checked. */
final class ControlPlaneTree {
  /** What a private key's body looks like; it must never appear in any output. */
  static final String KEY_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC-private-" + UUID.randomUUID();

  private ControlPlaneTree() {}

  static Path etcKubernetes(Path root) throws Exception {
    Path k = Files.createDirectories(root.resolve("etc/kubernetes"));
    Files.createDirectories(k.resolve("pki/etcd"));
    Files.createDirectories(k.resolve("manifests"));
    Files.writeString(k.resolve("pki/ca.crt"), "-----BEGIN CERTIFICATE-----\nMIIC5zCCAc+gAwIBAgIBADANBgkq\n-----END CERTIFICATE-----\n");
    privateKey(k.resolve("pki/ca.key"));
    privateKey(k.resolve("pki/sa.key"));
    Files.writeString(k.resolve("pki/etcd/ca.crt"), "-----BEGIN CERTIFICATE-----\netcd\n-----END CERTIFICATE-----\n");
    privateKey(k.resolve("pki/etcd/ca.key"));
    Files.writeString(k.resolve("manifests/kube-apiserver.yaml"), "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n");
    Files.writeString(k.resolve("admin.conf"), "not in the configured paths\n");
    return k;
  }

  private static void privateKey(Path file) throws Exception {
    Files.writeString(file, "-----BEGIN PRIVATE KEY-----\n" + KEY_BODY + "\n-----END PRIVATE KEY-----\n", StandardCharsets.US_ASCII);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
  }

  /** {@code restored} holds pki/ and manifests/ of {@code kubernetes}, byte for byte and mode for mode, and nothing else. */
  static void assertSameFilesAndModes(Path kubernetes, Path restored) throws Exception {
    List<String> expected = relative(kubernetes).stream().filter(p -> p.startsWith("pki") || p.startsWith("manifests")).toList();
    assertThat(relative(restored)).containsExactlyElementsOf(expected);
    for (String p : expected) {
      Path from = kubernetes.resolve(p);
      Path to = restored.resolve(p);
      assertThat(Files.getPosixFilePermissions(to)).as(p).isEqualTo(Files.getPosixFilePermissions(from));
      if (Files.isRegularFile(from)) {
        assertThat(Files.readAllBytes(to)).as(p).isEqualTo(Files.readAllBytes(from));
      }
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(restored.resolve("pki/ca.key")))).isEqualTo("rw-------");
  }

  private static List<String> relative(Path root) throws Exception {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(f -> !f.equals(root)).map(f -> root.relativize(f).toString()).sorted().toList();
    }
  }
}
