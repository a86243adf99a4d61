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
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.watcher.PublishedState.Entry;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns what informers report into {@code ResourceChanged} records, publishing only real changes:
 * an object whose content hash equals what was last published for it produces nothing, so relists,
 * resyncs and status churn cost no records. The published state is updated as records are sent, and
 * all work on one object is serialised, so its records reach Kafka in the order they were observed.
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
  private final Object[] locks = new Object[STRIPES];

  public ResourceChangePublisher(String cluster, PublishedState state, RecordSink sink, EventFactory events, boolean ignoreStatus,
      Collection<String> sensitiveKinds, FieldSealer sealer, byte[] hashKey, WatcherMetrics metrics) {
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
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new Object();
    }
    if (!this.sensitiveKinds.isEmpty() && sealer == null) {
      throw new IllegalArgumentException("sensitive kinds " + sensitiveKinds + " are watched but no encryption key is configured");
    }
  }

  public ObjectIdentity identity(WatchedKind kind, JsonNode object) {
    JsonNode metadata = object.path("metadata");
    return new ObjectIdentity(cluster, kind.namespaced() ? metadata.path("namespace").asText("") : "", kind.group(),
        kind.kind(), metadata.path("name").asText());
  }

  /** An object was added or updated (or seen again in a relist). */
  public void upsert(WatchedKind kind, JsonNode object, Instant observedAt) {
    ObjectIdentity id = identity(kind, object);
    String key = id.key();
    synchronized (lock(key)) {
      boolean sensitive = isSensitive(kind);
      String hash = sensitive ? ContentHash.keyed(object, ignoreStatus, hashKey) : ContentHash.of(object, ignoreStatus);
      String uid = object.path("metadata").path("uid").asText("");
      Entry previous = state.get(key);
      if (previous != null && previous.hash().equals(hash) && previous.uid().equals(uid)) {
        metrics.unchanged();
        return;
      }
      if (previous != null && !previous.uid().equals(uid) && !previous.uid().isEmpty()) {
        // deleted and created again while we were not watching: say so, in order
        send(kind, id, ChangeType.DELETED, null, previous.uid(), "", previous.hash(), observedAt, sensitive);
      }
      ChangeType type = previous == null || !previous.uid().equals(uid) ? ChangeType.ADDED : ChangeType.MODIFIED;
      if (send(kind, id, type, object, uid, object.path("metadata").path("resourceVersion").asText(""), hash, observedAt, sensitive)) {
        state.put(key, new Entry(hash, uid));
      }
    }
  }

  /** An object was deleted; {@code lastKnown} is its final state as the informer last saw it. */
  public void delete(WatchedKind kind, JsonNode lastKnown, Instant observedAt) {
    ObjectIdentity id = identity(kind, lastKnown);
    deleteKey(kind, id, lastKnown, observedAt);
  }

  /** After a (re)list: objects published before that no longer exist were deleted while unobserved. */
  public void reconcile(WatchedKind kind, Set<String> liveKeys, Instant observedAt) {
    String prefix = cluster + "/";
    int deleted = 0;
    for (String key : state.keys(k -> k.startsWith(prefix) && ObjectIdentity.parse(k).sameKind(kind.group(), kind.kind()))) {
      if (!liveKeys.contains(key)) {
        deleteKey(kind, ObjectIdentity.parse(key), null, observedAt);
        deleted++;
      }
    }
    if (deleted > 0) {
      log.info("{} objects of {} were deleted while not watched: published as DELETED", deleted, kind);
    }
  }

  private void deleteKey(WatchedKind kind, ObjectIdentity id, JsonNode lastKnown, Instant observedAt) {
    String key = id.key();
    synchronized (lock(key)) {
      Entry previous = state.get(key);
      if (previous == null) {
        return; // never published, or its deletion already was
      }
      String rv = lastKnown == null ? "" : lastKnown.path("metadata").path("resourceVersion").asText("");
      if (send(kind, id, ChangeType.DELETED, lastKnown, previous.uid(), rv, previous.hash(), observedAt, isSensitive(kind))) {
        state.remove(key);
      }
    }
  }

  private boolean send(WatchedKind kind, ObjectIdentity id, ChangeType type, JsonNode object, String uid, String resourceVersion,
      String hash, Instant observedAt, boolean sensitive) {
    ResourceChanged record;
    try {
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
      record = ResourceChanged.newBuilder()
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
    } catch (Exception e) {
      metrics.error("unserialisable");
      log.warn("Cannot turn {} into a record, skipped: {}", id, e.toString());
      return false;
    }
    try {
      sink.send(Topics.RESOURCE_CHANGES, id.key(), record).whenComplete((ok, error) -> {
        if (error == null) {
          metrics.acked(Duration.between(observedAt, Instant.now()));
        } else {
          metrics.error("not-acknowledged");
        }
      });
    } catch (RuntimeException e) {
      metrics.error("unserialisable");
      log.warn("Cannot encode the record of {}, skipped: {}", id, e.toString());
      return false;
    }
    metrics.change(kind, type.name());
    return true;
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
