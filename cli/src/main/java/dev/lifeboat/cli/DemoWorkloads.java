package dev.lifeboat.cli;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A few realistic applications for the demo's local cluster (namespaces, deployments, services,
 * config maps, secrets, volume claims, a custom resource definition and its objects) and a gentle
 * churn of changes, so that there is always something to protect.
 */
public final class DemoWorkloads {
  private static final Logger log = LoggerFactory.getLogger(DemoWorkloads.class);
  static final List<String> NAMESPACES = List.of("shop", "blog", "analytics");
  static final ResourceDefinitionContext DATABASES = new ResourceDefinitionContext.Builder()
      .withGroup("demo.lifeboat.dev").withVersion("v1").withKind("Database").withPlural("databases").withNamespaced(true).build();

  private final KubernetesClient client;
  private final java.nio.file.Path volumes;
  private final Random random = new Random(42);
  private final AtomicLong changes = new AtomicLong();

  /** @param volumes where the demo's volumes keep their files (the "node path" of their hostPath PVs) */
  public DemoWorkloads(KubernetesClient client, java.nio.file.Path volumes) {
    this.client = client;
    this.volumes = volumes;
  }

  /** Files for a namespace's database volume: a few small files and a larger one, as a database keeps. */
  private String volume(String ns) {
    java.nio.file.Path dir = volumes.resolve(ns);
    try {
      java.nio.file.Files.createDirectories(dir.resolve("base"));
      java.nio.file.Files.writeString(dir.resolve("PG_VERSION"), "16\n");
      java.nio.file.Path table = dir.resolve("base").resolve("16384");
      if (!java.nio.file.Files.exists(table)) {
        byte[] pages = new byte[2 << 20];
        new Random(ns.hashCode()).nextBytes(pages);
        java.nio.file.Files.write(table, pages);
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot prepare the demo volume " + dir, e);
    }
    return dir.toAbsolutePath().toString();
  }

  /** A database writing its log: the demo's volumes change too. */
  private void appendToVolume(String ns) {
    try {
      java.nio.file.Files.writeString(volumes.resolve(ns).resolve("wal.log"), "commit " + changes.get() + "\n",
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    } catch (java.io.IOException e) {
      log.warn("Could not write to the demo volume of {}: {}", ns, e.toString());
    }
  }

  /** Creates the applications; returns how many objects were created. */
  public int seed() {
    if (client.apiextensions().v1().customResourceDefinitions().withName(databaseCrd().getMetadata().getName()).get() != null) {
      log.info("The local cluster keeps the applications of an earlier demo run (in its etcd): not seeding it again");
      return 0;
    }
    int count = 0;
    client.apiextensions().v1().customResourceDefinitions().resource(databaseCrd()).create();
    count++;
    for (String ns : NAMESPACES) {
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns)
          .addToLabels("app.kubernetes.io/part-of", "lifeboat-demo").endMetadata().build()).create();
      client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName(ns + "-settings")
          .addToLabels("app", ns).endMetadata()
          .addToData("LOG_LEVEL", "info").addToData("FEATURE_FLAGS", "search,checkout").build()).create();
      client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName(ns + "-db-credentials")
          .addToLabels("app", ns).endMetadata().withType("Opaque")
          .addToData("username", b64(ns + "-user")).addToData("password", b64("demo-" + ns + "-password")).build()).create();
      client.apps().deployments().inNamespace(ns).resource(deployment(ns, ns + "-web", "nginx:1.27", 2)).create();
      client.apps().deployments().inNamespace(ns).resource(deployment(ns, ns + "-worker", "busybox:1.36", 1)).create();
      client.services().inNamespace(ns).resource(new ServiceBuilder().withNewMetadata().withName(ns + "-web")
          .addToLabels("app", ns).endMetadata().withNewSpec().addToSelector("app", ns + "-web")
          .addNewPort().withPort(80).withNewTargetPort(8080).endPort().endSpec().build()).create();
      String pv = "pv-" + ns + "-data";
      client.persistentVolumes().resource(new PersistentVolumeBuilder().withNewMetadata().withName(pv).endMetadata()
          .withNewSpec().addToCapacity("storage", new Quantity("1Gi")).withAccessModes("ReadWriteOnce")
          .withStorageClassName("standard").withNewHostPath().withPath(volume(ns)).endHostPath()
          .withNewClaimRef().withNamespace(ns).withName(ns + "-data").endClaimRef().endSpec()
          .withNewStatus().withPhase("Bound").endStatus().build()).create();
      client.persistentVolumeClaims().inNamespace(ns).resource(new PersistentVolumeClaimBuilder().withNewMetadata()
          .withName(ns + "-data").addToLabels("app", ns).endMetadata().withNewSpec().withAccessModes("ReadWriteOnce")
          .withStorageClassName("standard").withVolumeName(pv).withNewResources().addToRequests("storage", new Quantity("1Gi"))
          .endResources().endSpec().withNewStatus().withPhase("Bound").addToCapacity("storage", new Quantity("1Gi"))
          .endStatus().build()).create();
      client.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName(ns + "-db-0").addToLabels("app", ns + "-db")
          .endMetadata().withNewSpec().withNodeName("demo-node-" + (1 + count % 2)).addNewContainer().withName("db")
          .withImage("postgres:16").addNewVolumeMount().withName("data").withMountPath("/var/lib/postgresql").endVolumeMount()
          .endContainer().addNewVolume().withName("data").withNewPersistentVolumeClaim().withClaimName(ns + "-data")
          .endPersistentVolumeClaim().endVolume().endSpec().withNewStatus().withPhase("Running").endStatus().build()).create();
      client.genericKubernetesResources(DATABASES).inNamespace(ns).resource(database(ns, ns + "-db", "postgres", 1)).create();
      count += 10;
    }
    log.info("Seeded the local cluster with {} objects in namespaces {}", count, NAMESPACES);
    return count;
  }

  /** One small, realistic change: a config edit, a scale, a job config map coming or going, a database resized. */
  public void churn() {
    String ns = NAMESPACES.get(random.nextInt(NAMESPACES.size()));
    switch (random.nextInt(4)) {
      case 0 -> client.configMaps().inNamespace(ns).withName(ns + "-settings")
          .edit(cm -> new ConfigMapBuilder(cm).addToData("LOG_LEVEL", random.nextBoolean() ? "debug" : "info")
              .addToData("REVISION", Long.toString(changes.get())).build());
      case 1 -> client.apps().deployments().inNamespace(ns).withName(ns + "-web")
          .edit(d -> new DeploymentBuilder(d).editSpec().withReplicas(1 + random.nextInt(4)).endSpec().build());
      case 2 -> {
        String name = ns + "-job-" + random.nextInt(3);
        var cm = client.configMaps().inNamespace(ns).withName(name);
        if (cm.get() == null) {
          cm.create(new ConfigMapBuilder().withNewMetadata().withName(name).addToLabels("app", ns).endMetadata()
              .addToData("schedule", "*/5 * * * *").build());
        } else {
          cm.delete();
        }
      }
      default -> client.genericKubernetesResources(DATABASES).inNamespace(ns).withName(ns + "-db")
          .edit(db -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> spec = (Map<String, Object>) db.getAdditionalProperties().get("spec");
            spec.put("storageGi", 10 + random.nextInt(90));
            return db;
          });
    }
    appendToVolume(ns);
    changes.incrementAndGet();
  }

  long changes() {
    return changes.get();
  }

  private static Deployment deployment(String ns, String name, String image, int replicas) {
    return new DeploymentBuilder().withNewMetadata().withName(name).withNamespace(ns).addToLabels("app", name).endMetadata()
        .withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels("app", name).endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata().withNewSpec()
        .addNewContainer().withName("main").withImage(image).addNewPort().withContainerPort(8080).endPort()
        .addNewEnv().withName("CONFIG").withNewValueFrom().withNewConfigMapKeyRef(
            "LOG_LEVEL", ns + "-settings", false).endValueFrom().endEnv()
        .endContainer().endSpec().endTemplate().endSpec().build();
  }

  private static GenericKubernetesResource database(String ns, String name, String engine, int replicas) {
    return new GenericKubernetesResourceBuilder().withApiVersion("demo.lifeboat.dev/v1").withKind("Database")
        .withNewMetadata().withName(name).withNamespace(ns).addToLabels("app", ns).endMetadata()
        .addToAdditionalProperties("spec", new java.util.HashMap<>(Map.of("engine", engine, "replicas", replicas, "storageGi", 20)))
        .build();
  }

  private static CustomResourceDefinition databaseCrd() {
    return new CustomResourceDefinitionBuilder().withNewMetadata().withName("databases.demo.lifeboat.dev").endMetadata()
        .withNewSpec().withGroup("demo.lifeboat.dev").withScope("Namespaced")
        .withNewNames().withKind("Database").withPlural("databases").withSingular("database").withShortNames("db").endNames()
        .addNewVersion().withName("v1").withServed(true).withStorage(true)
        .withNewSchema().withNewOpenAPIV3Schema().withType("object").withXKubernetesPreserveUnknownFields(true)
        .endOpenAPIV3Schema().endSchema().endVersion().endSpec().build();
  }

  private static String b64(String value) {
    return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Runs {@link #churn} every {@code every} on a daemon thread of its own, until the returned executor
   * is shut down. A step that fails (the API away, say) is logged and the next one comes as planned.
   */
  public java.util.concurrent.ScheduledExecutorService churnEvery(java.time.Duration every) {
    java.util.concurrent.ScheduledExecutorService churn = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "lifeboat-demo-churn");
      t.setDaemon(true);
      return t;
    });
    churn.scheduleWithFixedDelay(() -> {
      try {
        churn();
      } catch (RuntimeException e) {
        log.warn("Demo churn step failed: {}", e.toString());
      }
    }, every.toMillis(), every.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    return churn;
  }
}
