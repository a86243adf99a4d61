package dev.lifeboat.watcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.crypto.FieldSealer;
import dev.lifeboat.events.v1.ChangeType;
import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.kube.ContentHash;
import dev.lifeboat.kube.ObjectIdentity;
import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.watcher.PublishedState.Entry;
import dev.lifeboat.watcher.PublishedState.Pending;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns what the watches report into {@code ResourceChanged} records, publishing only real changes:
 * an object whose content hash equals what was last published for it produces nothing, so relists,
 * resyncs and status churn cost no records.
 *
 * <p>Nothing is lost when Kafka refuses: a change counts as published only once Kafka acknowledged
 * it ({@link PublishedState}). When a record is refused, or when too many records already wait for
 * acknowledgement, the object's identity goes into the {@link Backlog} and the watch's thread
 * moves on (it never blocks: fabric8 would queue watch events without bound behind it). The
 * {@link Republisher} sends each object of the backlog again, in its latest state as the API holds
 * it (or DELETED when it is gone), once Kafka takes records again. While an object waits
 * in the backlog, its newer changes wait with it, so its records stay in order. All work on one
 * object is serialised.
 */
public final class ResourceChangePublisher {
  private static final Logger log = LoggerFactory.getLogger(ResourceChangePublisher.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int STRIPES = 256;

  private final String cluster;
  private final PublishedState state;
  private final RecordSink sink;
  private final EventFactory events;
  private final boolean ignoreStatus;
  private final Set<String> sensitiveKinds;
  private final FieldSealer sealer;
  private final byte[] hashKey;
  private final WatcherMetrics metrics;
  private final PublishFailures failures;
  private final Clock clock;
  private final Backlog backlog = new Backlog();
  private final Object[] locks = new Object[STRIPES];

  public ResourceChangePublisher(String cluster, PublishedState state, RecordSink sink, EventFactory events, boolean ignoreStatus,
      Collection<String> sensitiveKinds, FieldSealer sealer, byte[] hashKey, WatcherMetrics metrics, PublishFailures failures) {
    this.cluster = cluster;
    this.state = state;
    this.sink = sink;
    this.events = events;
    this.ignoreStatus = ignoreStatus;
    this.sensitiveKinds = new HashSet<>();
    sensitiveKinds.forEach(k -> this.sensitiveKinds.add(k.toLowerCase(Locale.ROOT)));
    this.sealer = sealer;
    this.hashKey = hashKey;
    this.metrics = metrics;
    this.failures = failures;
    this.clock = events.clock();
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new Object();
    }
    if (!this.sensitiveKinds.isEmpty() && sealer == null) {
      throw new IllegalArgumentException("sensitive kinds " + sensitiveKinds + " are watched but no encryption key is configured");
    }
    metrics.backlog(backlog::size, state::pendingCount);
  }

  public String cluster() {
    return cluster;
  }

  public ObjectIdentity identity(WatchedKind kind, JsonNode object) {
    JsonNode metadata = object.path("metadata");
    return new ObjectIdentity(cluster, kind.namespaced() ? metadata.path("namespace").asText("") : "", kind.group(),
        kind.kind(), metadata.path("name").asText());
  }

  /** An object was added or updated (or seen again in a relist). */
  public void upsert(WatchedKind kind, JsonNode object, Instant observedAt) {
    ObjectIdentity id = identity(kind, object);
    synchronized (lock(id.key())) {
      if (backlog.contains(id.key())) {
        return; // it waits to be published in its latest state, after what is already on its way
      }
      if (!publishState(kind, id, object, observedAt)) {
        backlog.add(id.key(), kind);
      }
    }
  }

  /** An object was deleted; {@code lastKnown} is its final state as the watch reported it. */
  public void delete(WatchedKind kind, JsonNode lastKnown, Instant observedAt) {
    deleteKey(kind, identity(kind, lastKnown), lastKnown, observedAt);
  }

  /** After a (re)list: objects published before that no longer exist were deleted while unobserved. */
  public void reconcile(WatchedKind kind, Set<String> liveKeys, Instant observedAt) {
    reconcile(kind, liveKeys::contains, observedAt);
  }

  /** {@link #reconcile(WatchedKind, Set, Instant)} with the live objects told by key. */
  public void reconcile(WatchedKind kind, Predicate<String> live, Instant observedAt) {
    String prefix = cluster + "/";
    int deleted = 0;
    for (String key : state.keys(k -> k.startsWith(prefix) && ObjectIdentity.parse(k).sameKind(kind.group(), kind.kind()))) {
      if (!live.test(key)) {
        deleteKey(kind, ObjectIdentity.parse(key), null, observedAt);
        deleted++;
      }
    }
    if (deleted > 0) {
      log.info("{} objects of {} were deleted while not watched: published as DELETED", deleted, kind);
    }
  }

  /**
   * Runs {@code action} holding the lock of the object {@code key}, the one every publication of that
   * object holds: what it checks and publishes cannot interleave with a republication of the object.
   */
  public void locked(String key, Runnable action) {
    synchronized (lock(key)) {
      action.run();
    }
  }

  /** What the topic will hold for the object once everything sent is acknowledged (null: nothing). */
  public Entry published(String key) {
    return state.get(key);
  }

  /** Objects waiting to be published again. */
  public int backlogSize() {
    return backlog.size();
  }

  Backlog backlog() {
    return backlog;
  }

  /**
   * Publishes one object of the backlog in its current state: {@code current} is the object as the
   * API holds it now, empty if it no longer exists. False if it must wait longer.
   */
  boolean republish(Backlog.Item item, Optional<JsonNode> current) {
    return republish(item, current, () -> true);
  }

  /**
   * {@link #republish(Backlog.Item, Optional)}, if {@code stillCurrent} (asked under the object's
   * lock) says that {@code current} is still the newest state known of it; otherwise it stays in the
   * backlog, to be read again.
   */
  boolean republish(Backlog.Item item, Optional<JsonNode> current, BooleanSupplier stillCurrent) {
    ObjectIdentity id = ObjectIdentity.parse(item.key());
    synchronized (lock(item.key())) {
      if (!stillCurrent.getAsBoolean()) {
        backlog.requeue(item.key());
        return false;
      }
      boolean done = current.isPresent()
          ? publishState(item.kind(), id, current.get(), clock.instant())
          : publishDeletion(item.kind(), id, null, clock.instant());
      if (done) {
        backlog.remove(item.key());
      } else {
        backlog.requeue(item.key());
      }
      return done;
    }
  }

  /** Drops an object from the backlog whose kind is no longer watched: its next list publishes what differs. */
  void forget(Backlog.Item item) {
    synchronized (lock(item.key())) {
      backlog.remove(item.key());
    }
  }

  private void deleteKey(WatchedKind kind, ObjectIdentity id, JsonNode lastKnown, Instant observedAt) {
    synchronized (lock(id.key())) {
      if (backlog.contains(id.key())) {
        return; // the backlog finds it gone and publishes its deletion in turn
      }
      if (!publishDeletion(kind, id, lastKnown, observedAt)) {
        backlog.add(id.key(), kind);
      }
    }
  }

  /** Sends what differs between {@code object} and what the topic holds; false if there was no room. */
  private boolean publishState(WatchedKind kind, ObjectIdentity id, JsonNode object, Instant observedAt) {
    String key = id.key();
    boolean sensitive = isSensitive(kind);
    String hash;
    try {
      hash = sensitive ? ContentHash.keyed(object, ignoreStatus, hashKey) : ContentHash.of(object, ignoreStatus);
    } catch (RuntimeException e) {
      failures.unprocessable(kind, id, "hash", e);
      return true;
    }
    String uid = object.path("metadata").path("uid").asText("");
    Entry previous = state.get(key);
    if (previous != null && previous.hash().equals(hash) && previous.uid().equals(uid)) {
      metrics.unchanged();
      return true;
    }
    if (previous != null && !previous.uid().equals(uid) && !previous.uid().isEmpty()) {
      // deleted and created again while we were not watching: say so, in order
      Optional<Boolean> sent = send(kind, id, ChangeType.DELETED, null, previous.uid(), "", previous.hash(), null,
          observedAt, sensitive);
      if (sent.isEmpty()) {
        return false;
      }
    }
    ChangeType type = previous == null || !previous.uid().equals(uid) ? ChangeType.ADDED : ChangeType.MODIFIED;
    return send(kind, id, type, object, uid, object.path("metadata").path("resourceVersion").asText(""), hash,
        new Entry(hash, uid), observedAt, sensitive).isPresent();
  }

  private boolean publishDeletion(WatchedKind kind, ObjectIdentity id, JsonNode lastKnown, Instant observedAt) {
    Entry previous = state.get(id.key());
    if (previous == null) {
      return true; // never published, or its deletion already was
    }
    String rv = lastKnown == null ? "" : lastKnown.path("metadata").path("resourceVersion").asText("");
    return send(kind, id, ChangeType.DELETED, lastKnown, previous.uid(), rv, previous.hash(), null, observedAt,
        isSensitive(kind)).isPresent();
  }

  /**
   * Hands one record to the sink. Empty: no room, nothing sent. True: sent (what it makes true is
   * pending until Kafka acknowledges it). False: it can never be sent (dead-lettered by {@link PublishFailures}).
   */
  private Optional<Boolean> send(WatchedKind kind, ObjectIdentity id, ChangeType type, JsonNode object, String uid,
      String resourceVersion, String hash, Entry makes, Instant observedAt, boolean sensitive) {
    ResourceChanged record;
    try {
      record = record(kind, id, type, object, uid, resourceVersion, hash, observedAt, sensitive);
    } catch (Exception e) {
      failures.unprocessable(kind, id, "record", e);
      return Optional.of(false);
    }
    Optional<CompletableFuture<Void>> acked;
    try {
      acked = sink.trySend(Topics.RESOURCE_CHANGES, id.key(), record);
    } catch (RuntimeException e) {
      if (ErrorClassifier.isRetriable(e)) {
        failures.refused(id, e); // the schema registry is away, say: the object waits in the backlog
        return Optional.empty();
      }
      failures.unprocessable(kind, id, "encode", e);
      return Optional.of(false);
    }
    if (acked.isEmpty()) {
      return Optional.empty();
    }
    Pending pending = state.sent(id.key(), makes);
    acked.get().whenComplete((ok, error) -> {
      if (error == null) {
        state.acknowledged(id.key(), pending);
        metrics.acked(Duration.between(observedAt, clock.instant()));
        failures.acknowledged(id.key());
      } else {
        state.refused(id.key(), pending);
        backlog.add(id.key(), kind);
        failures.refused(id, error);
      }
    });
    metrics.change(kind, type.name());
    return Optional.of(true);
  }

  private ResourceChanged record(WatchedKind kind, ObjectIdentity id, ChangeType type, JsonNode object, String uid,
      String resourceVersion, String hash, Instant observedAt, boolean sensitive) throws Exception {
    ByteBuffer payload = null;
    String keyId = null;
    if (object != null) {
      ObjectNode body = ((ObjectNode) object).deepCopy();
      if (body.path("metadata").isObject()) {
        ((ObjectNode) body.get("metadata")).remove("managedFields");
      }
      if (sensitive) {
        body = sealer.seal(body, id.key());
        keyId = sealer.activeKeyId();
      }
      payload = ByteBuffer.wrap(JSON.writeValueAsBytes(body));
    }
    return ResourceChanged.newBuilder()
        .setHeader(events.header(null))
        .setType(type)
        .setGroup(kind.group())
        .setVersion(kind.version())
        .setKind(kind.kind())
        .setNamespace(id.namespace().isEmpty() ? null : id.namespace())
        .setName(id.name())
        .setUid(uid)
        .setResourceVersion(resourceVersion)
        .setObservedAt(observedAt)
        .setContentHash(hash)
        .setObject(payload)
        .setEncryptionKeyId(keyId)
        .build();
  }

  private boolean isSensitive(WatchedKind kind) {
    String k = kind.kind().toLowerCase(Locale.ROOT);
    String g = kind.group().toLowerCase(Locale.ROOT);
    return sensitiveKinds.contains(k) || sensitiveKinds.contains(kind.plural().toLowerCase(Locale.ROOT))
        || !g.isEmpty() && (sensitiveKinds.contains(k + "." + g) || sensitiveKinds.contains(kind.plural().toLowerCase(Locale.ROOT) + "." + g));
  }

  private Object lock(String key) {
    return locks[Math.floorMod(key.hashCode(), STRIPES)];
  }
}
