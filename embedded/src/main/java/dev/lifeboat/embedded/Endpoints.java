package dev.lifeboat.embedded;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Where a running Lifeboat's components listen: written to {@code DATA_DIR/endpoints.json} so
 * scripts, other tools and the CLI's client commands find them.
 */
public record Endpoints(
    String kafkaBootstrapServers,
    String schemaRegistryUrl,
    List<Store> stores,
    String kubernetesApiUrl,
    String kubeconfig,
    List<String> etcdEndpoints,
    String statusUrl) {

  /** An S3 endpoint with its bucket and credentials. */
  public record Store(String name, String endpoint, String bucket, String accessKey, String secretKey, String region) {}

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public Endpoints withStatusUrl(String url) {
    return new Endpoints(kafkaBootstrapServers, schemaRegistryUrl, stores, kubernetesApiUrl, kubeconfig, etcdEndpoints, url);
  }

  /** Writes atomically (temp file, then rename), so a reader never sees half a file. */
  public void write(Path file) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    JSON.writeValue(tmp.toFile(), this);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  public static Endpoints read(Path file) throws IOException {
    return JSON.readValue(file.toFile(), Endpoints.class);
  }
}
