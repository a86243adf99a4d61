package dev.lifeboat.restore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeboat.crypto.FieldSealer;
import dev.lifeboat.repository.resources.ResourceDocument;
import dev.lifeboat.repository.resources.SpillFile;
import dev.lifeboat.repository.resources.SpilledObjects;
import dev.lifeboat.restore.ResourceRestoreReport.Action;
import dev.lifeboat.restore.ResourceRestoreReport.Outcome;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One resource restore, start to end: read, select, skip what controllers recreate, unseal,
 * transform, then create level by level (in parallel within a level), waiting for CRDs to be
 * established after the level that holds them. See DESIGN.md for the rules.
 *
 * <p>Memory: the documents read and the bodies prepared wait on disk (in the JVM's temporary
 * directory, deleted at the end); memory holds, per object, its identity, where its body is and its
 * outcome, a few hundred bytes.
 */
final class ResourceRestorer {
  private static final Logger log = LoggerFactory.getLogger(ResourceRestorer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RestoreSource source;
  private final KubernetesClient target;
  private final ResourceRestorePlan plan;
  private final Progress progress;
  private final ObjectListener listener;
  private final TargetApi api;
  private final TargetWrites writes;
  private final ResourceSelection selection;
  private final RestorePriorities priorities;
  private final List<Outcome> outcomes = java.util.Collections.synchronizedList(new ArrayList<>());
  private final TargetNamespaces namespaces;
  private final AtomicLong done = new AtomicLong();
  private final RestoredClaims claims;
  private long total;
  private SpillFile bodies; // while run() runs

  /** @param mover how to fill the claims the restore creates; null: they keep new, empty volumes */
  ResourceRestorer(RestoreSource source, KubernetesClient target, ResourceRestorePlan plan, Progress progress,
      ObjectListener listener, DataMoverSettings mover) {
    this.source = source;
    this.claims = new RestoredClaims(source, target, plan, mover, progress);
    this.target = target;
    this.plan = plan;
    this.progress = progress;
    this.listener = listener;
    this.api = new TargetApi(target);
    this.writes = new TargetWrites(target, plan.conflictPolicy(), plan.dryRun());
    this.namespaces = new TargetNamespaces(target, plan, writes);
    this.selection = new ResourceSelection(plan, this::plural);
    this.priorities = new RestorePriorities(plan.priorities());
  }

  /**
   * An object on its way: what is known of it (its document without the object), where it goes, at
   * which level, where its body as it will be sent waits on disk, and what was changed on purpose.
   */
  private record Prepared(ResourceDocument document, String name, SpillFile.Slice body, String targetNamespace,
      int level, List<FieldChange> changes) {}

  ResourceRestoreReport run() throws InterruptedException {
    long started = System.nanoTime();
    try (ResourceReader.Read read = new ResourceReader(source).read(plan, progress);
        SpillFile bodies = new SpillFile(Path.of(System.getProperty("java.io.tmpdir")))) {
      this.bodies = bodies;
      return run(read, started);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the bodies to restore in " + System.getProperty("java.io.tmpdir")
          + " (java.io.tmpdir): " + e.getMessage(), e);
    } finally {
      this.bodies = null;
    }
  }

  private ResourceRestoreReport run(ResourceReader.Read read, long started) throws InterruptedException, IOException {
    api.refresh();
    java.time.Instant restorePoint = plan.atTime() != null ? plan.atTime() : read.recoveryPoint();
    List<Prepared> prepared = prepare(read.documents(), restorePoint);
    bodies.finishWriting();
    total = prepared.size() + outcomes.size();
    done.set(outcomes.size());
    TreeMap<Integer, List<Prepared>> levels = new TreeMap<>();
    prepared.forEach(p -> levels.computeIfAbsent(p.level(), l -> new ArrayList<>()).add(p));
    Set<String> definedHere = definedKinds(prepared);
    ExecutorService pool = Executors.newFixedThreadPool(plan.parallelism(), new NamedThreads("lifeboat-restore"));
    try {
      String stopped = null;
      for (Map.Entry<Integer, List<Prepared>> level : levels.entrySet()) {
        if (stopped != null) {
          for (Prepared p : level.getValue()) {
            record(outcome(p.document(), p.targetNamespace(), Action.FAIL, stopped), null, List.of());
          }
          continue;
        }
        restoreLevel(level.getValue(), pool, definedHere);
        stopped = claims.fill(createdClaims(level.getValue()), restorePoint);
        List<CrdEstablishment.Definition> crds = level.getValue().stream()
            .filter(p -> RestorePriorities.isCrd(p.document().group(), p.document().kind()))
            .map(p -> CrdEstablishment.Definition.of(body(p))).toList();
        if (!crds.isEmpty() && !plan.dryRun()) {
          Map<String, CrdEstablishment.Definition> late = CrdEstablishment.await(target, api, crds, plan.crdTimeout(), progress);
          late.values().forEach(d -> definedHere.remove(d.group() + "/" + d.kind()));
        }
      }
    } finally {
      pool.shutdownNow();
    }
    progress.report(Progress.Update.of("restoring", done.get(), total, "objects").last());
    ResourceRestoreReport report = new ResourceRestoreReport(plan.describeSource(), read.snapshotId(), read.changesApplied(),
        read.gaps(), read.documents().size(), plan.dryRun(), namespaces.created(), namespaces.guarded(), outcomes,
        Duration.ofNanos(System.nanoTime() - started), read.recoveryPoint(), claims.report());
    log.info("{}restore of {}: {} read, {}; {} namespaces created, in {} ms ({} objects/s)", plan.dryRun() ? "Dry-run " : "",
        report.source(), report.objectsRead(), report.counts(), report.namespacesCreated().size(),
        report.duration().toMillis(), Math.round(report.objectsPerSecond()));
    return report;
  }

  /** Claims this level created (target namespace/name), for {@link RestoredClaims#fill}. */
  private List<ClaimFilling.Created> createdClaims(List<Prepared> level) {
    Set<String> created = new HashSet<>();
    synchronized (outcomes) {
      outcomes.stream().filter(o -> o.action() == Action.CREATE && RestoredClaims.isClaim(o.group(), o.kind()))
          .forEach(o -> created.add(o.targetNamespace() + "/" + o.name()));
    }
    return level.stream().filter(p -> RestoredClaims.isClaim(nz(p.document().group()), p.document().kind())
            && created.contains(p.targetNamespace() + "/" + p.document().name()))
        .map(p -> new ClaimFilling.Created(p.document(), p.targetNamespace())).toList();
  }

  /**
   * Selection, controller-owned objects, unsealing and transforms. Skips and failures go straight to
   * the outcomes. Two passes over the documents on disk: the first finds what is selected (so an
   * object whose controller is restored too can be left to it), the second prepares each body and
   * spills it.
   */
  private List<Prepared> prepare(SpilledObjects documents, java.time.Instant restorePoint) {
    Set<String> present = new HashSet<>();
    documents.forEach(d -> {
      if (d.object() == null) {
        return;
      }
      if (RestorePriorities.isNamespace(nz(d.group()), d.kind())) {
        namespaces.sourceNamespace(d);
      }
      if (selection.selects(d)) {
        present.add(ownerKey(d.namespace(), d.kind(), d.name()));
      }
    });
    FieldSealer sealer = source.keys().map(FieldSealer::new).orElse(null);
    List<Prepared> prepared = new ArrayList<>();
    documents.forEach(d -> {
      if (d.object() != null && selection.selects(d)) {
        Prepared p = prepareOne(d, present, sealer, restorePoint);
        if (p != null) {
          prepared.add(p);
        }
      }
    });
    return prepared;
  }

  /** One selected object made ready to send, or null when it is skipped or failed (its outcome says why). */
  private Prepared prepareOne(ResourceDocument d, Set<String> present, FieldSealer sealer,
      java.time.Instant restorePoint) {
    String targetNamespace = plan.targetNamespace(emptyToNull(d.namespace()));
    JsonNode tree = d.objectTree();
    String owner = controllerOwner(tree, d.namespace(), present);
    if (owner != null) {
      record(outcome(d, targetNamespace, Action.SKIP, "owned by " + owner + ", which is restored and recreates it"), null,
          List.of());
      return null;
    }
    String group = nz(d.group());
    String refusal = plan.inert() ? InertTransform.refusal(group, d.kind()) : null;
    if (refusal != null) {
      record(outcome(d, targetNamespace, Action.SKIP, InertTransform.NOT_RESTORED + refusal), null, List.of());
      return null;
    }
    ObjectNode object = (ObjectNode) tree;
    if (d.encryptionKeyId() != null) {
      if (sealer == null) {
        record(outcome(d, targetNamespace, Action.FAIL, "its payload is sealed with key '" + d.encryptionKeyId()
            + "' and no encryption keys are configured"), null, List.of());
        return null;
      }
      try {
        object = sealer.unseal(object, d.key());
      } catch (RuntimeException e) {
        record(outcome(d, targetNamespace, Action.FAIL, "its payload cannot be unsealed: " + e.getMessage()), null,
            List.of());
        return null;
      }
    }
    String apiVersion = group.isEmpty() ? d.version() : group + "/" + d.version();
    ObjectNode body = ObjectTransforms.forRestore(object, apiVersion, group, d.kind(), targetNamespace, plan);
    List<FieldChange> changes = new ArrayList<>(label(body, plan.objectLabels()));
    if (plan.inert()) {
      try {
        changes.addAll(InertTransform.apply(body, group, d.kind()));
      } catch (IllegalArgumentException e) {
        record(outcome(d, targetNamespace, Action.FAIL, "it cannot be made inert: " + e.getMessage()), null, List.of());
        return null;
      }
    }
    claims.prepare(d, body, targetNamespace, restorePoint);
    SpillFile.Slice spilled;
    try {
      spilled = bodies.append(JSON.writeValueAsBytes(body));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot spill the body of " + d.key() + " to disk", e);
    }
    return new Prepared(slim(d), body.path("metadata").path("name").asText(), spilled, targetNamespace,
        priorities.level(group, d.kind(), plural(group, d.kind())), List.copyOf(changes));
  }

  /** What later steps need of a document: identity, kind and uid (repeated names shared). */
  private static ResourceDocument slim(ResourceDocument d) {
    return new ResourceDocument(d.key(), intern(d.group()), intern(d.version()), intern(d.kind()), intern(d.namespace()),
        d.name(), d.uid(), null, null, null, null, null);
  }

  private static String intern(String s) {
    return s == null ? null : s.intern();
  }

  /** The body of a prepared object as it will be sent, read back from disk. */
  private ObjectNode body(Prepared p) {
    try {
      return (ObjectNode) JSON.readTree(bodies.read(p.body()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read back the body of " + p.document().key() + " from disk", e);
    }
  }

  /** {@code ReplicaSet/web-5d9f}, when a controller owner of the object is among those restored. */
  private static String controllerOwner(JsonNode object, String namespace, Set<String> present) {
    for (JsonNode ref : object.path("metadata").path("ownerReferences")) {
      if (ref.path("controller").asBoolean(false)) {
        String kind = ref.path("kind").asText();
        String name = ref.path("name").asText();
        if (present.contains(ownerKey(namespace, kind, name))) {
          return kind + "/" + name;
        }
      }
    }
    return null;
  }

  private static String ownerKey(String namespace, String kind, String name) {
    return nz(namespace) + "|" + kind + "|" + name;
  }

  /** group/kind of every custom resource kind a CRD restored here defines. */
  private Set<String> definedKinds(List<Prepared> prepared) {
    Set<String> kinds = ConcurrentHashMap.newKeySet();
    prepared.stream().filter(p -> RestorePriorities.isCrd(p.document().group(), p.document().kind()))
        .map(p -> CrdEstablishment.Definition.of(body(p))).forEach(d -> kinds.add(d.group() + "/" + d.kind()));
    return kinds;
  }

  private void restoreLevel(List<Prepared> level, ExecutorService pool, Set<String> definedHere) throws InterruptedException {
    ensureNamespaces(level);
    level.forEach(p -> claims.beforeCreate(p.document(), p.targetNamespace()));
    List<Future<?>> running = new ArrayList<>(level.size());
    Semaphore inFlight = new Semaphore(2 * plan.parallelism()); // bodies read from disk just before they are sent
    for (Prepared p : level) {
      inFlight.acquire();
      running.add(pool.submit(() -> {
        try {
          restoreOne(p, definedHere);
        } finally {
          inFlight.release();
        }
      }));
    }
    try {
      for (Future<?> f : running) {
        f.get();
      }
    } catch (ExecutionException e) {
      running.forEach(f -> f.cancel(true));
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  private void restoreOne(Prepared p, Set<String> definedHere) {
    ResourceDocument d = p.document();
    String group = nz(d.group());
    java.util.Optional<TargetApi.Kind> kind = api.find(group, d.version(), d.kind());
    ObjectNode body = body(p);
    Outcome outcome;
    if (kind.isEmpty()) {
      String apiVersion = group.isEmpty() ? d.version() : group + "/" + d.version();
      outcome = plan.dryRun() && definedHere.contains(group + "/" + d.kind())
          ? outcome(d, p.targetNamespace(), Action.CREATE, null)
          : outcome(d, p.targetNamespace(), Action.FAIL, apiVersion + " " + d.kind() + " is not served by the target");
    } else {
      TargetWrites.Result result = writes.write(kind.get(), p.targetNamespace(), p.name(), body);
      outcome = outcome(d, p.targetNamespace(), result.action(), result.reason());
    }
    record(outcome, body, p.changes());
  }

  /** Adds the plan's object labels to {@code body}; returns each label it set. */
  private static List<FieldChange> label(ObjectNode body, Map<String, String> labels) {
    List<FieldChange> changes = new ArrayList<>();
    for (Map.Entry<String, String> label : labels.entrySet()) {
      List<String> path = List.of("metadata", "labels", label.getKey());
      JsonNode before = FieldChange.at(body, path);
      JsonNode after = com.fasterxml.jackson.databind.node.TextNode.valueOf(label.getValue());
      if (!after.equals(before)) {
        FieldChange.set(body, path, after);
        changes.add(new FieldChange(FieldChange.LABELS, path, before.isMissingNode() ? null : before, after));
      }
    }
    return changes;
  }

  /** Creates (or notes) the target namespaces a level's objects go to, and guards them for an inert plan. */
  private void ensureNamespaces(List<Prepared> level) {
    Map<String, String> wanted = new LinkedHashMap<>();
    Set<String> restoredHere = new HashSet<>();
    for (Prepared p : level) {
      if (p.targetNamespace() != null) {
        wanted.putIfAbsent(p.targetNamespace(), p.document().namespace());
      }
      if (RestorePriorities.isNamespace(nz(p.document().group()), p.document().kind())) {
        restoredHere.add(p.name()); // restored in this level, with its own labels (its outcome says so)
      }
    }
    namespaces.prepare(wanted, restoredHere);
  }

  private void record(Outcome outcome, ObjectNode sent, List<FieldChange> changes) {
    outcomes.add(outcome);
    listener.handled(outcome, sent, changes);
    long n = done.incrementAndGet();
    progress.report(Progress.Update.of("restoring", n, total, "objects"));
  }

  private static Outcome outcome(ResourceDocument d, String targetNamespace, Action action, String reason) {
    return new Outcome(action, nz(d.group()), d.version(), d.kind(), emptyToNull(d.namespace()), d.name(), targetNamespace,
        reason);
  }

  private String plural(String group, String kind) {
    return api.anyVersion(group, kind).map(TargetApi.Kind::plural).orElse(null);
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
