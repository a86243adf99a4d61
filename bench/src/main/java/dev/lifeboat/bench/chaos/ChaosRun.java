package dev.lifeboat.bench.chaos;

import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.cli.DemoConfig;
import dev.lifeboat.cli.client.Connection;
import dev.lifeboat.cli.client.PipelineCheck;
import dev.lifeboat.cli.client.PipelineReport;
import dev.lifeboat.commands.v1.Command;
import dev.lifeboat.commands.v1.SnapshotNow;
import dev.lifeboat.embedded.Endpoints;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.blob.S3BlobStore;
import dev.lifeboat.repository.check.CheckProgress;
import dev.lifeboat.repository.check.CheckReport;
import dev.lifeboat.repository.check.RepositoryCheck;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.schemas.registry.HttpSchemaRegistryClient;
import dev.lifeboat.schemas.registry.SchemaRegistry;
import dev.lifeboat.schemas.serde.AvroSerializer;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.verifier.ScratchSpace;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chaos run: the stack and each worker as processes of their own, the demo's applications
 * changing, then faults one after another (kill -9 of random workers, the off-region store away, the
 * broker and etcd killed and restarted, the API server down and its watches expired, malformed
 * records on every input topic, bits flipped in each store), and at the end {@code lifeboat check
 * --read-data} on every store and {@code lifeboat check --pipeline}. What it counts is in {@link
 * ChaosFigures}; every figure is measured by this run.
 */
public final class ChaosRun {
  private static final Logger log = LoggerFactory.getLogger(ChaosRun.class);
  static final List<String> WORKERS = List.of("watcher", "snapshotter", "replicator", "verifier", "commands");
  private static final Duration UP = Duration.ofMinutes(3);
  private static final Duration CATCH_UP = Duration.ofMinutes(10);

  /**
   * @param kills how many times a random worker is killed with kill -9
   * @param outage how long the off-region store is away
   * @param malformedPerTopic records no component wrote, per input topic
   * @param corruptionsPerStore bits flipped, each in another pack, index file or segment, per store
   */
  public record Settings(Path dataDir, int kills, Duration outage, int malformedPerTopic, int corruptionsPerStore, long seed,
      Duration brokerDown) {

    /** With the broker down 20 s, etcd 10 s and the API 15 s. */
    public Settings(Path dataDir, int kills, Duration outage, int malformedPerTopic, int corruptionsPerStore, long seed) {
      this(dataDir, kills, outage, malformedPerTopic, corruptionsPerStore, seed, Duration.ofSeconds(20));
    }

    Duration etcdDown() {
      return brokerDown.dividedBy(2);
    }

    Duration apiDown() {
      return brokerDown.multipliedBy(3).dividedBy(4);
    }
  }

  private final Settings settings;
  private final Random random;
  private final ChaosFigures figures = new ChaosFigures();
  private final List<ChildJvm> processes = new ArrayList<>();
  private final Map<String, ChildJvm> workers = new LinkedHashMap<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private ChildJvm stack;
  private Endpoints endpoints;
  private KafkaClients kafka;
  private SchemaRegistry registry;
  private String controlUrl;
  private Observations observations;

  public ChaosRun(Settings settings) {
    this.settings = settings;
    this.random = new Random(settings.seed());
  }

  public ChaosFigures run() throws Exception {
    figures.started(settings);
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "chaos-heap");
      t.setDaemon(true);
      return t;
    });
    try {
      start();
      sampler.scheduleWithFixedDelay(() -> processes.forEach(ChildJvm::sampleHeap), 1, 2, TimeUnit.SECONDS);
      warmUp();
      kills();
      offsiteOutage();
      brokerRestart();
      etcdDuringSnapshot();
      apiFaults();
      malformed();
      finish();
    } finally {
      sampler.shutdownNow();
      if (observations != null) {
        observations.close();
      }
      processes.forEach(p -> figures.peakHeap(p.name(), p.peakHeap()));
      stopAll();
      figures.ended();
    }
    return figures;
  }

  private void start() throws IOException {
    Path dir = settings.dataDir();
    Files.createDirectories(dir);
    stack = new ChildJvm("stack", ChaosStack.class.getName(), List.of(dir.toString()), "2g", dir.resolve("logs/stack.log"));
    processes.add(stack);
    stack.start(UP);
    controlUrl = stack.statusUrl();
    endpoints = Endpoints.read(dir.resolve("endpoints.json"));
    kafka = new KafkaClients(endpoints.kafkaBootstrapServers());
    registry = new HttpSchemaRegistryClient(endpoints.schemaRegistryUrl());
    observations = new Observations(kafka, registry, Connection.DEMO_CLUSTER);
    List<java.util.concurrent.CompletableFuture<ChildJvm>> starting = new ArrayList<>();
    for (String name : WORKERS) {
      ChildJvm worker = new ChildJvm(name, ChaosWorker.class.getName(), List.of(dir.toString(), name), "1g",
          dir.resolve("logs/" + name + ".log"));
      processes.add(worker);
      workers.put(name, worker);
      starting.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> worker.start(UP)));
    }
    starting.forEach(java.util.concurrent.CompletableFuture::join);
    log.info("Chaos run: stack and {} workers up", WORKERS.size());
  }

  /** Until the first etcd, volume and resource snapshots are complete and copied off-region. */
  private void warmUp() throws InterruptedException {
    Instant began = Instant.now();
    await("first snapshots of every kind copied off-region", CATCH_UP, () -> {
      Observations o = observe();
      return o.completedOfKindAfter(SnapshotKind.ETCD, Instant.EPOCH) > 0 && o.completedOfKindAfter(SnapshotKind.VOLUME, Instant.EPOCH) > 0
          && o.completedOfKindAfter(SnapshotKind.RESOURCES, Instant.EPOCH) > 0 && !o.replicatedOffsite.isEmpty();
    });
    figures.warmUp(Duration.between(began, Instant.now()));
  }

  private void kills() throws InterruptedException {
    for (int i = 0; i < settings.kills(); i++) {
      Thread.sleep(500 + random.nextInt(4500));
      ChildJvm victim = workers.get(WORKERS.get(random.nextInt(WORKERS.size())));
      victim.kill();
      figures.killed(victim.name());
      Thread.sleep(200 + random.nextInt(4800));
      victim.start(UP);
    }
    log.info("Chaos run: {} kills done", settings.kills());
  }

  private void offsiteOutage() throws Exception {
    fault("offsite-stop");
    Thread.sleep(settings.outage().toMillis());
    Observations.Moment atEnd = observe().moment();
    fault("offsite-start");
    Instant back = Instant.now();
    await("the off-region store caught up", CATCH_UP, () -> observe().offsiteCaughtUp(atEnd));
    figures.caughtUp("off-region store away " + ChaosFigures.human(settings.outage()), Duration.between(back, Instant.now()));
  }

  private void brokerRestart() throws Exception {
    fault("broker-stop");
    Thread.sleep(settings.brokerDown().toMillis());
    fault("broker-start");
    Instant back = Instant.now();
    String marker = marker();
    await("a change made after the broker came back reached the topic", CATCH_UP, () -> observe().changedNames.contains(marker));
    figures.caughtUp("broker killed for " + ChaosFigures.human(settings.brokerDown()), Duration.between(back, Instant.now()));
  }

  private void etcdDuringSnapshot() throws Exception {
    Instant asked = Instant.now();
    sendCommand(SnapshotNow.newBuilder().setKind(SnapshotKind.ETCD).setTarget("etcd").build());
    Thread.sleep(300);
    fault("etcd-stop");
    Thread.sleep(settings.etcdDown().toMillis());
    fault("etcd-start");
    Instant back = Instant.now();
    await("an etcd snapshot completed after etcd came back", CATCH_UP,
        () -> observe().completedOfKindAfter(SnapshotKind.ETCD, back) > 0);
    figures.caughtUp("etcd stopped for " + ChaosFigures.human(settings.etcdDown()) + " during an etcd snapshot",
        Duration.between(back, Instant.now()));
    figures.note("etcd snapshot asked at " + asked + ", etcd stopped 0.3 s later");
  }

  private void apiFaults() throws Exception {
    fault("api-outage-begin");
    Thread.sleep(settings.apiDown().toMillis());
    fault("api-outage-end");
    Instant back = Instant.now();
    for (int i = 0; i < 3; i++) {
      fault("api-expire-watches");
      Thread.sleep(1000);
    }
    String marker = marker();
    await("a change made after the API came back reached the topic", CATCH_UP, () -> observe().changedNames.contains(marker));
    figures.caughtUp("API server down " + ChaosFigures.human(settings.apiDown()) + ", then watches expired 3 times",
        Duration.between(back, Instant.now()));
  }

  private void malformed() throws Exception {
    Instant began = Instant.now();
    MalformedRecords malformed = new MalformedRecords(random, new AvroSerializer<>(registry), events());
    MalformedRecords.Batch batch = malformed.make(settings.malformedPerTopic());
    Map<String, List<String>> sent = new LinkedHashMap<>();
    try (KafkaProducer<byte[], byte[]> producer = kafka.producer("lifeboat-chaos")) {
      for (MalformedRecords.Spec spec : batch.specs()) {
        ProducerRecord<byte[], byte[]> record = malformed.record(spec);
        RecordMetadata m = producer.send(record).get();
        if (spec.hostile() != null) {
          continue;
        }
        sent.computeIfAbsent(record.topic(), t -> new ArrayList<>()).add(m.partition() + "@" + m.offset());
      }
    }
    await("every malformed record dead-lettered and every hostile command answered", CATCH_UP, () -> {
      Observations o = observe();
      return sent.entrySet().stream().allMatch(e -> o.deadLettered.getOrDefault(e.getKey(), java.util.Set.of()).containsAll(e.getValue()))
          && batch.hostileCommands().stream().allMatch(o::answered);
    }, false);
    Observations o = observe();
    java.util.Set<String> auditedSubjects = new java.util.HashSet<>();
    o.audit.stream().filter(e -> e.getAction().equals(AuditActions.RECORD_DEAD_LETTERED)).forEach(e -> auditedSubjects.add(e.getSubject()));
    sent.forEach((topic, offsets) -> {
      long dead = offsets.stream().filter(o.deadLettered.getOrDefault(topic, java.util.Set.of())::contains).count();
      long audited = offsets.stream().filter(off -> auditedSubjects.contains(topic + "-" + off)).count();
      figures.malformed(topic, offsets.size(), dead, audited);
    });
    figures.hostile(batch.hostileCommands().size(), batch.hostileCommands().stream().filter(o::answered).count());
    figures.crashesAfter(began, o.auditCount(AuditActions.COMPONENT + AuditActions.RESTART, began));
  }

  private void corruptions() throws InterruptedException {
    Corruptions corruptions = new Corruptions(random);
    for (Endpoints.Store s : endpoints.stores()) {
      figures.injected(corruptions.flip(s.name(), store(s), settings.corruptionsPerStore()));
    }
  }

  /**
   * Waits until everything is copied off-region, checks the pipeline, then, with the snapshotter (which
   * collects garbage) stopped as {@code lifeboat check} asks, flips bits in each store and checks every
   * store with all its data read. The order matters: a flipped pack in the primary stops its copy (the
   * replicator refuses it), and a flipped segment hides its changes from the pipeline check, so both
   * would be counted as lag and loss rather than as damage caught.
   */
  private void finish() throws Exception {
    Instant began = Instant.now();
    Observations.Moment now = observe().moment();
    await("everything copied off-region", CATCH_UP, () -> observe().offsiteCaughtUp(now), false);
    figures.caughtUp("final catch-up", Duration.between(began, Instant.now()));
    Connection connection = connection();
    byte[] key = connection.masterKey();
    PipelineReport pipeline = new PipelineCheck(connection,
        ScratchSpace.of(DemoConfig.of(endpoints, settings.dataDir(), 0)), CheckProgress.NONE).run();
    figures.pipeline(pipeline);
    log.info("check --pipeline:\n{}", pipeline.summary());
    workers.get("snapshotter").stop(Duration.ofSeconds(30));
    corruptions();
    for (Endpoints.Store s : endpoints.stores()) {
      CheckReport report = new RepositoryCheck(store(s), key, 1.0, CheckProgress.NONE).run();
      figures.checked(s.name(), report);
      log.info("check --store {} --read-data:\n{}", s.name(), report.summary());
    }
    Observations o = observe();
    figures.totals(o);
    figures.crashesAfter(figures.startedAt(), o.auditCount(AuditActions.COMPONENT + AuditActions.RESTART, figures.startedAt()));
    for (ChildJvm p : processes) {
      figures.starts(p.name(), p.starts(), p.alive());
    }
  }

  /**
   * Stops the workers side by side, then the stack: a worker stopped after the broker spends its whole
   * grace period trying to reach it.
   */
  private void stopAll() {
    List<Thread> stopping = new ArrayList<>();
    for (ChildJvm p : processes) {
      if (p != stack) {
        Thread t = new Thread(() -> p.stop(Duration.ofSeconds(20)), "chaos-stop-" + p.name());
        t.start();
        stopping.add(t);
      }
    }
    for (Thread t : stopping) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (stack != null) {
      stack.stop(Duration.ofSeconds(20));
    }
  }

  /** The demo's connection as {@code lifeboat check} finds it: endpoints.json, its prefix and its master key. */
  private Connection connection() {
    return Connection.fromDataDir(settings.dataDir());
  }

  private BlobStore store(Endpoints.Store s) {
    return new S3BlobStore(connection().store(s.name()));
  }

  private Observations observe() {
    return observations.refresh();
  }

  private EventFactory events() {
    return new EventFactory(Connection.DEMO_CLUSTER, "chaos", java.time.Clock.systemUTC());
  }

  private void sendCommand(Object action) throws Exception {
    String id = "chaos-" + UUID.randomUUID();
    Command command = Command.newBuilder().setHeader(events().header(id)).setCommandId(id).setRequestedBy("chaos")
        .setRequestedAt(Instant.now()).setAction(action).build();
    try (KafkaProducer<byte[], byte[]> producer = kafka.producer("lifeboat-chaos")) {
      producer.send(new ProducerRecord<>(Topics.COMMANDS, id.getBytes(StandardCharsets.UTF_8),
          new AvroSerializer<>(registry).serialize(Topics.COMMANDS, command))).get();
    }
  }

  /** Creates a config map through the API (retrying while the API is away); its name. */
  private String marker() throws InterruptedException {
    String name = "chaos-marker-" + UUID.randomUUID().toString().substring(0, 8);
    Config config = Config.fromKubeconfig(null, readKubeconfig(), endpoints.kubeconfig());
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
      await("the API took the marker " + name, CATCH_UP, () -> {
        try {
          client.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata().withName(name)
              .endMetadata().withData(Map.of("at", Instant.now().toString())).build()).create();
          return true;
        } catch (RuntimeException e) {
          return false;
        }
      });
    }
    return name;
  }

  private String readKubeconfig() {
    try {
      return Files.readString(Path.of(endpoints.kubeconfig()));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private void fault(String name) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(controlUrl + "/fault/" + name))
        .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofMinutes(3)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("fault " + name + " failed: " + r.body());
    }
    figures.fault(name);
  }

  private void await(String what, Duration timeout, BooleanSupplier done) throws InterruptedException {
    await(what, timeout, done, true);
  }

  /** Polls every 2 s; {@code required}: a timeout ends the run, else it is recorded and the run goes on. */
  private void await(String what, Duration timeout, BooleanSupplier done, boolean required) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (done.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        log.info("While waiting for {}: {}", what, e.toString());
      }
      Thread.sleep(2000);
    }
    figures.timedOut(what, timeout);
    if (required) {
      throw new IllegalStateException("timed out after " + timeout + " waiting for " + what);
    }
  }
}
