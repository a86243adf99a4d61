package dev.lifeboat.repository.gc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeboat.repository.blob.BlobInfo;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.blob.SettledPut;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease one garbage collection at a time holds: {@code gc/lock}, holding a token of its own.
 * Written with a {@link SettledPut} (a conditional PUT; on a store that ignores the condition, a wait
 * for every collection racing for it, then a read), so collections starting together agree on the
 * one whose token stays. A lock older than its lease is taken over once: the taker first claims
 * {@code gc/takeovers/<token of the expired lock>} the same way, which only one can. The holder
 * confirms the token is still its own before it deletes anything, and releases only its own lock.
 */
final class GcLock {
  private static final Logger log = LoggerFactory.getLogger(GcLock.class);
  static final String KEY = "gc/lock";
  static final String TAKEOVERS = "gc/takeovers/";
  /** Where collections about to write the lock announce themselves ({@link SettledPut}). */
  static final String LOCKING = "gc/locking/";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final BlobStore store;
  private final String where;
  private final Duration lease;
  private final String token = UUID.randomUUID().toString();
  private final SettledPut settle;

  GcLock(BlobStore store, String where, Duration lease, Clock clock) {
    this.store = store;
    this.where = where;
    this.lease = lease;
    this.settle = new SettledPut(store, LOCKING, clock);
  }

  /** Takes the lock, or takes over one older than the lease; false if another collection holds it. */
  boolean acquire(Instant now) {
    byte[] body = body(now);
    Optional<String> holder = tokenOf(settle.put(KEY, () -> body).blob());
    if (holder.isEmpty()) {
      return false; // released since: the next run takes it
    }
    if (holder.get().equals(token)) {
      return true;
    }
    Optional<BlobInfo> held = store.stat(KEY);
    if (held.isEmpty() || !held.get().lastModified().isBefore(now.minus(lease))) {
      return false;
    }
    // of collections finding the same expired lock, the one whose claim on it stays takes it over
    if (!tokenOf(settle.put(TAKEOVERS + holder.get(), () -> body).blob()).equals(Optional.of(token))
        || !holder().equals(holder)) {
      return false;
    }
    log.warn("Taking over the garbage collection lock of {}, held since {} (longer than {})", where,
        held.get().lastModified(), lease);
    store.delete(KEY);
    boolean taken = tokenOf(settle.put(KEY, () -> body).blob()).equals(Optional.of(token));
    if (taken) {
      forgetTakeovers(now);
    }
    return taken;
  }

  /** Throws unless this collection still holds the lock: called before anything is deleted. */
  void confirm() {
    Optional<String> holder = holder();
    if (!holder.equals(Optional.of(token))) {
      throw new IllegalStateException("garbage collection of " + where + " lost its lock " + KEY + " (now "
          + holder.map(t -> "held by " + t).orElse("free") + ") before deleting anything; it stops here");
    }
  }

  /** Deletes the lock if it is this collection's. */
  void release() {
    if (mine()) {
      store.delete(KEY);
    }
  }

  private boolean mine() {
    return holder().equals(Optional.of(token));
  }

  /** The token of the lock there. */
  private Optional<String> holder() {
    return tokenOf(store.get(KEY));
  }

  /** The token in a lock (or a takeover claim); one written by an older version, without a token, by its time. */
  private Optional<String> tokenOf(Optional<byte[]> bytes) {
    if (bytes.isEmpty()) {
      return Optional.empty();
    }
    try {
      JsonNode node = JSON.readTree(bytes.get());
      if (node != null && node.hasNonNull("token")) {
        return Optional.of(node.get("token").asText());
      }
    } catch (IOException e) {
      // not a lock this version wrote
    }
    return Optional.of("at-" + store.stat(KEY).map(i -> i.lastModified().toEpochMilli()).orElse(0L));
  }

  /** Takeover claims older than the lease: their locks are long gone. */
  private void forgetTakeovers(Instant now) {
    List<String> old = new ArrayList<>();
    store.list(TAKEOVERS, info -> {
      if (info.lastModified().isBefore(now.minus(lease))) {
        old.add(info.key());
      }
    });
    old.forEach(store::delete);
  }

  private byte[] body(Instant now) {
    try {
      return JSON.writeValueAsBytes(Map.of("token", token, "started", now.toString(), "host", hostName()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
