package dev.lifeboat.kube;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Kubernetes clients made from a kubeconfig file and a context, as every configuration section names them. */
public final class KubeClients {
  private KubeClients() {}

  /**
   * A client for {@code context} of {@code kubeconfig}; with no file, fabric8's own discovery
   * (KUBECONFIG, ~/.kube/config, the in-cluster service account), and with no context, the current one.
   *
   * @param setting the configuration key that named the file, for the error when it cannot be read
   */
  public static KubernetesClient connect(String kubeconfig, String context, String setting) {
    String kubeContext = context == null || context.isEmpty() ? null : context;
    try {
      Config config = kubeconfig == null || kubeconfig.isEmpty()
          ? Config.autoConfigure(kubeContext)
          : Config.fromKubeconfig(kubeContext, Files.readString(Path.of(kubeconfig)), kubeconfig);
      return new KubernetesClientBuilder().withConfig(config).build();
    } catch (IOException e) {
      throw new UncheckedIOException(setting + " = " + kubeconfig + " cannot be read: " + e.getMessage(), e);
    }
  }
}
