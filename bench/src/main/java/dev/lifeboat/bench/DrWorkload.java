package dev.lifeboat.bench;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The protected cluster of the region-loss drill: namespaces of applications (ConfigMaps, Secrets,
 * Deployments, Services of realistic sizes) and claims bound to hostPath volumes of the storage class
 * the watcher's on-change policy covers, whose files (mixed sizes, random bytes: nothing compresses or
 * deduplicates) are written, and hashed, before their volume exists in the API.
 */
final class DrWorkload {
  static final String STORAGE_CLASS = "standard";
  private static final int MIB = 1 << 20;

  /** A claim of the source cluster: where it is, its uid, and the SHA-256 of each of its files by relative path. */
  record Claim(String namespace, String name, String uid, Map<String, String> files, long bytes) {}

  private final KubernetesClient client;
  private final int namespaces;
  private final int perNamespace;

  DrWorkload(KubernetesClient client, int namespaces, int perNamespace) {
    this.client = client;
    this.namespaces = namespaces;
    this.perNamespace = perNamespace;
  }

  static String namespace(int n) {
    return String.format("team-%03d", n);
  }

  List<String> namespaceNames() {
    List<String> names = new ArrayList<>();
    for (int n = 0; n < namespaces; n++) {
      names.add(namespace(n));
    }
    return names;
  }

  /** Creates the namespaces and their objects, a namespace per task on {@code threads} threads; returns how many objects. */
  long createObjects(int threads) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> done = new ArrayList<>();
      for (int n = 0; n < namespaces; n++) {
        int index = n;
        done.add(pool.submit(() -> createNamespace(index)));
      }
      long created = 0;
      for (Future<Integer> f : done) {
        created += f.get();
      }
      return created;
    } finally {
      pool.shutdown();
    }
  }

  private int createNamespace(int n) {
    String ns = namespace(n);
    SplittableRandom random = new SplittableRandom(n);
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).addToLabels("team", ns).endMetadata()
        .build()).create();
    for (int i = 0; i < perNamespace; i++) {
      String name = String.format("app-%03d", i);
      int kind = i * 20 / perNamespace; // 40% ConfigMaps, 30% Secrets, 15% Deployments, 15% Services
      if (kind < 8) {
        ConfigMapBuilder cm = new ConfigMapBuilder().withNewMetadata().withName(name).addToLabels("app", name)
            .addToLabels("team", ns).endMetadata();
        for (int k = 0; k < 8; k++) {
          cm.addToData("setting-" + k, text(random, 100));
        }
        client.configMaps().inNamespace(ns).resource(cm.build()).create();
      } else if (kind < 14) {
        SecretBuilder secret = new SecretBuilder().withNewMetadata().withName(name).addToLabels("app", name)
            .addToLabels("team", ns).endMetadata().withType("Opaque");
        for (int k = 0; k < 4; k++) {
          secret.addToData("key-" + k, Base64.getEncoder().encodeToString(text(random, 150).getBytes(StandardCharsets.UTF_8)));
        }
        client.secrets().inNamespace(ns).resource(secret.build()).create();
      } else if (kind < 17) {
        client.apps().deployments().inNamespace(ns).resource(new DeploymentBuilder().withNewMetadata().withName(name)
            .addToLabels("app", name).addToLabels("team", ns).endMetadata().withNewSpec().withReplicas(3)
            .withNewSelector().addToMatchLabels("app", name).endSelector().withNewTemplate().withNewMetadata()
            .addToLabels("app", name).endMetadata().withNewSpec().addNewContainer().withName(name)
            .withImage("registry.example.com/" + ns + "/" + name + ":1.0." + random.nextInt(100))
            .addNewPort().withContainerPort(8080).endPort()
            .withNewResources().addToRequests("cpu", new Quantity("100m")).addToRequests("memory", new Quantity("128Mi"))
            .endResources().addNewEnv().withName("MODE").withValue("production").endEnv()
            .addNewEnv().withName("SETTINGS").withValue(text(random, 60)).endEnv()
            .endContainer().endSpec().endTemplate().endSpec().build()).create();
      } else {
        client.services().inNamespace(ns).resource(new ServiceBuilder().withNewMetadata().withName(name)
            .addToLabels("app", name).addToLabels("team", ns).endMetadata().withNewSpec().withType("ClusterIP")
            .addToSelector("app", name).addNewPort().withName("http").withPort(80).withNewTargetPort(8080)
            .withProtocol("TCP").endPort().endSpec().build()).create();
      }
    }
    return perNamespace + 1;
  }

  /**
   * Writes {@code volumes} trees of {@code mib} MiB under {@code root} and creates a hostPath volume
   * for each, then a bound claim for each, claim {@code v} in namespace {@code v % namespaces}. The
   * volumes come first, as with static provisioning: the watcher knows a claim's volume (its node
   * path) when the claim appears. (A claim seen bound before its volume gets a snapshot request
   * without a node path, which the snapshotter refuses; the drill then fails on that SnapshotFailed.)
   */
  List<Claim> createClaims(Path root, int volumes, int mib) throws IOException {
    String size = Math.max(1, (mib * 2 + 1023) / 1024) + "Gi";
    List<Map<String, String>> trees = new ArrayList<>();
    for (int v = 0; v < volumes; v++) {
      String ns = namespace(v % namespaces);
      String name = claimName(v);
      Path dir = root.resolve(ns + "-" + name);
      trees.add(writeTree(dir, (long) mib * MIB, new SplittableRandom(1000 + v)));
      client.persistentVolumes().resource(new PersistentVolumeBuilder().withNewMetadata().withName("pv-" + ns + "-" + name)
          .endMetadata().withNewSpec().addToCapacity("storage", new Quantity(size)).withAccessModes("ReadWriteOnce")
          .withStorageClassName(STORAGE_CLASS).withNewHostPath().withPath(dir.toAbsolutePath().toString()).endHostPath()
          .withNewClaimRef().withNamespace(ns).withName(name).endClaimRef().endSpec()
          .withNewStatus().withPhase("Bound").endStatus().build()).create();
    }
    List<Claim> claims = new ArrayList<>();
    for (int v = 0; v < volumes; v++) {
      String ns = namespace(v % namespaces);
      String name = claimName(v);
      String uid = client.persistentVolumeClaims().inNamespace(ns).resource(new PersistentVolumeClaimBuilder()
          .withNewMetadata().withName(name).addToLabels("app", name).endMetadata().withNewSpec()
          .withAccessModes("ReadWriteOnce").withStorageClassName(STORAGE_CLASS).withVolumeName("pv-" + ns + "-" + name)
          .withNewResources().addToRequests("storage", new Quantity(size)).endResources().endSpec()
          .withNewStatus().withPhase("Bound").addToCapacity("storage", new Quantity(size)).endStatus().build())
          .create().getMetadata().getUid();
      claims.add(new Claim(ns, name, uid, trees.get(v), (long) mib * MIB));
    }
    return claims;
  }

  private static String claimName(int v) {
    return String.format("data-%02d", v);
  }

  /**
   * Files of mixed sizes up to {@code bytes} in all, sixteen to a directory: most small (4 to 64 KiB),
   * some medium (256 KiB to 2 MiB), a few large (8 to 24 MiB), as a database or a file store holds.
   */
  static Map<String, String> writeTree(Path dir, long bytes, SplittableRandom random) throws IOException {
    Map<String, String> files = new TreeMap<>();
    byte[] buffer = new byte[MIB];
    long left = bytes;
    int count = 0;
    while (left > 0) {
      int tier = random.nextInt(10);
      long size = tier < 6 ? 4096 + random.nextInt(60 * 1024)
          : tier < 9 ? 256 * 1024 + random.nextInt(7 * 256 * 1024) : 8L * MIB + random.nextInt(16 * MIB);
      size = Math.min(size, left);
      String path = String.format("d%02d/f%04d.bin", count / 16, count);
      Path file = dir.resolve(path);
      Files.createDirectories(file.getParent());
      MessageDigest sha = sha256();
      try (OutputStream out = Files.newOutputStream(file)) {
        for (long written = 0; written < size; ) {
          int n = (int) Math.min(buffer.length, size - written);
          random.nextBytes(buffer);
          out.write(buffer, 0, n);
          sha.update(buffer, 0, n);
          written += n;
        }
      }
      files.put(path, HexFormat.of().formatHex(sha.digest()));
      left -= size;
      count++;
    }
    return files;
  }

  /** The SHA-256 of each regular file under {@code root} by its path relative to it. */
  static Map<String, String> hashTree(Path root) throws IOException {
    Map<String, String> files = new TreeMap<>();
    if (!Files.isDirectory(root)) {
      return files;
    }
    byte[] buffer = new byte[MIB];
    try (var walk = Files.walk(root)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        MessageDigest sha = sha256();
        try (var in = Files.newInputStream(p)) {
          for (int n; (n = in.read(buffer)) > 0; ) {
            sha.update(buffer, 0, n);
          }
        }
        files.put(root.relativize(p).toString(), HexFormat.of().formatHex(sha.digest()));
      }
    }
    return files;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String text(SplittableRandom random, int length) {
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      s.append((char) ('a' + random.nextInt(26)));
    }
    return s.toString();
  }
}
