package dev.lifeboat.verifier;

import dev.lifeboat.restore.PrivateFiles;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where verifications restore to, and cleaning up after them. Scratch namespaces are named {@code
 * <prefix>-<verification id>-<namespace>} and labelled {@value #LABEL}{@code =<verification id>};
 * scratch directories are {@code <scratch dir>/<verification id>}, 0700. What a verification creates is
 * removed when it ends, and what a crashed one left behind is found by name and label (never
 * anything else) and removed by {@link #sweep}.
 */
final class ScratchTargets {
  private static final Logger log = LoggerFactory.getLogger(ScratchTargets.class);
  /** The label every scratch namespace carries, its value the verification id. */
  static final String LABEL = "lifeboat.dev/verification";
  private static final int MAX_NAMESPACE = 63;

  private final ScratchSpace space;
  private final Set<String> active = ConcurrentHashMap.newKeySet();

  /**
   * @param dedicated whether the cluster is kept for verification (then CRDs may be restored into it)
   * @param description how evidence names the cluster: its kubeconfig context
   */
  ScratchTargets(Supplier<KubernetesClient> cluster, boolean dedicated, String description, String prefix, Path dir) {
    this(new ScratchSpace(cluster, dedicated, description, prefix, dir));
  }

  ScratchTargets(ScratchSpace space) {
    this.space = space;
  }

  /** A new verification id: 8 hex digits, unique enough for the scratch targets alive at once. */
  String begin() {
    String id = UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    active.add(id);
    return id;
  }

  void end(String id) {
    try {
      deleteNamespaces(id);
    } finally {
      deleteQuietly(space.directory().resolve(id));
      active.remove(id);
    }
  }

  KubernetesClient cluster() {
    return space.cluster();
  }

  boolean dedicated() {
    return space.dedicated();
  }

  String describeCluster() {
    return space.describeCluster();
  }

  /** Where the scratch directory of verification {@code id} is (or will be), for evidence; nothing is created. */
  Path path(String id) {
    return space.directory().resolve(id);
  }

  /**
   * The scratch directory of verification {@code id}, created on first use 0700 (and the scratch
   * root with it, 0700): what is restored there, a decrypted etcd database above all, is readable
   * by this process's user alone from the moment it is written. Removed by {@link #end}.
   */
  Path directory(String id) {
    Path dir = space.directory();
    Path own = dir.resolve(id);
    try {
      if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
        PrivateFiles.createDirectories(dir);
      } else if (PrivateFiles.restrict(dir)) {
        log.warn("Scratch directory {} could be read by other users: made private (0700)", dir);
      }
      if (!Files.isDirectory(own, LinkOption.NOFOLLOW_LINKS)) {
        PrivateFiles.createDirectory(own);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the private scratch directory " + own, e);
    }
    return own;
  }

  /** {@code <prefix>-<id>-<namespace>}, shortened with a hash of the namespace when it would pass 63 characters. */
  String namespace(String id, String source) {
    String prefix = space.prefix();
    String name = prefix + "-" + id + "-" + source;
    if (name.length() <= MAX_NAMESPACE) {
      return name;
    }
    String hash = sha256(source).substring(0, 6);
    int room = MAX_NAMESPACE - (prefix.length() + id.length() + hash.length() + 3);
    String head = source.substring(0, Math.max(0, room)).replaceAll("-+$", "");
    return prefix + "-" + id + "-" + head + "-" + hash;
  }

  /** Whether a namespace is one of ours (a scratch namespace must never be sampled, nor anything else deleted). */
  boolean isScratch(String namespace) {
    return space.isScratch(namespace);
  }

  /**
   * Removes the scratch namespaces and directories of verifications not running in this process:
   * what a crash left behind. Only namespaces that carry the label and the prefix are touched.
   */
  void sweep() {
    try {
      for (dev.lifeboat.kube.ScratchInventory.ScratchNamespace ns : space.namespaces()) {
        if (!active.contains(ns.verificationId())) {
          log.info("Removing scratch namespace {} left by verification {}", ns.name(), ns.verificationId());
          space.cluster().namespaces().withName(ns.name()).delete();
        }
      }
    } catch (RuntimeException e) {
      log.warn("Could not look for leftover scratch namespaces in {} (tried again before the next verification): {}",
          space.describeCluster(), e.toString());
    }
    try {
      space.directories().orElse(List.of()).stream().filter(d -> !active.contains(d.verificationId())).forEach(d -> {
        log.info("Removing scratch directory {} left by an earlier verification", d.path());
        deleteQuietly(d.path());
      });
    } catch (UncheckedIOException e) {
      log.warn("{} (tried again before the next verification)", e.getMessage());
    }
  }

  private void deleteNamespaces(String id) {
    try {
      space.cluster().namespaces().withLabel(LABEL, id).list().getItems().stream()
          .filter(ns -> isScratch(ns.getMetadata().getName()))
          .forEach(ns -> space.cluster().namespaces().withName(ns.getMetadata().getName()).delete());
    } catch (RuntimeException e) {
      log.warn("Could not remove the scratch namespaces of verification {} (the next sweep will): {}", id, e.toString());
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      deleteDirectory(path);
    } catch (UncheckedIOException e) {
      log.warn("{} (the next sweep tries again)", e.getMessage());
    }
  }

  static void deleteDirectory(Path path) {
    if (!Files.exists(path)) {
      return;
    }
    try {
      Files.walkFileTree(path, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.delete(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
          d.toFile().setWritable(true, true); // restored read-only directories
          d.toFile().setExecutable(true, true);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
          Files.delete(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove scratch directory " + path, e);
    }
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
