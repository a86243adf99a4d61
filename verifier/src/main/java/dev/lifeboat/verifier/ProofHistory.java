package dev.lifeboat.verifier;

import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotVerified;
import dev.lifeboat.events.v1.VerificationCheck;
import dev.lifeboat.events.v1.VerificationOutcome;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.registry.SchemaRegistry;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.topics.TopicReader;
import dev.lifeboat.schemas.topics.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What has been proven so far, for one cluster: which snapshot copies were verified (so a record
 * delivered again is not restored twice), when each namespace was last proven (the rotation), and
 * per target the newest snapshot proven by a restore from an off-region copy, with how long that
 * restore took (the restore-proven RPO and the measured RTO). Rebuilt at start from {@code
 * lifeboat.verifications}, which is the only record of it.
 */
final class ProofHistory {
  private static final Logger log = LoggerFactory.getLogger(ProofHistory.class);
  /** The evidence key of the check that lists the namespaces a resource verification restored. */
  static final String NAMESPACES = "namespaces";

  /** The newest proof of a target: the snapshot's completion time and how long its restore took. */
  record Proof(String snapshotId, Instant snapshotCompletedAt, Duration restoreDuration, String store) {}

  private final String cluster;
  private final Set<String> verified = ConcurrentHashMap.newKeySet();
  private final Map<String, Instant> namespaces = new ConcurrentHashMap<>();
  private final Map<String, Proof> newest = new ConcurrentHashMap<>();
  /** When this process first saw each namespace in a snapshot (not persisted: a restart starts the clock again). */
  private final Map<String, Instant> seen = new ConcurrentHashMap<>();

  ProofHistory(String cluster) {
    this.cluster = cluster;
  }

  /** Reads every verification of this cluster on {@code lifeboat.verifications}, up to its end. */
  static ProofHistory load(KafkaClients kafka, SchemaRegistry registry, String cluster) {
    ProofHistory history = new ProofHistory(cluster);
    AvroDeserializer<Object> values = new AvroDeserializer<>(registry);
    long[] read = {0};
    try (TopicReader reader = kafka.topicReader("lifeboat-verifier-history", "the proofs of cluster " + cluster)) {
      reader.readToEnd(Topics.VERIFICATIONS, r -> {
        try {
          if (values.decode(r.topic(), r.partition(), r.offset(), r.value()) instanceof SnapshotVerified v) {
            history.record(v, true);
            read[0]++;
          }
        } catch (RuntimeException e) {
          log.debug("Skipped an unreadable verification at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.toString());
        }
      });
    }
    log.info("Proof history of cluster {}: {} verifications read, {} targets proven, {} namespaces proven", cluster, read[0],
        history.newest.size(), history.namespaces.size());
    return history;
  }

  /**
   * Takes a verification into account (ours only: others' clusters are ignored).
   *
   * @param published read from the topic: a record of it delivered again is not verified again.
   *     Verifications made by this process are not counted so until they are read back: their
   *     record is retried when publishing them failed, and must be verified again then.
   */
  void record(SnapshotVerified v, boolean published) {
    if (!cluster.equals(v.getHeader().getCluster())) {
      return;
    }
    if (published) {
      verified.add(key(v.getSnapshotId(), v.getStore()));
    }
    if (outcome(v) != VerificationOutcome.PASSED) {
      return; // failed, or nothing restored: neither proves the target nor its namespaces
    }
    Instant when = v.getHeader().getTime();
    if (v.getKind() == SnapshotKind.RESOURCES) {
      for (VerificationCheck check : v.getChecks()) {
        String listed = check.getEvidence().get(NAMESPACES);
        if (listed != null && !listed.isBlank()) {
          for (String ns : listed.split(",")) {
            namespaces.merge(ns.trim(), when, (a, b) -> a.isAfter(b) ? a : b);
          }
        }
      }
    }
    Proof proof = new Proof(v.getSnapshotId(), v.getSnapshotCompletedAt(), Duration.ofMillis(v.getDurationMillis()),
        v.getStore());
    newest.merge(target(v.getKind(), v.getTarget()), proof,
        (a, b) -> b.snapshotCompletedAt().isAfter(a.snapshotCompletedAt()) ? b : a);
  }

  /**
   * A verification's outcome; one written before the field existed says it with {@code passed}
   * alone. An outcome PASSED without {@code passed} is no pass.
   */
  static VerificationOutcome outcome(SnapshotVerified v) {
    if (v.getOutcome() == null) {
      return v.getPassed() ? VerificationOutcome.PASSED : VerificationOutcome.FAILED;
    }
    return v.getOutcome() == VerificationOutcome.PASSED && !v.getPassed() ? VerificationOutcome.FAILED : v.getOutcome();
  }

  boolean verified(String snapshotId, String store) {
    return verified.contains(key(snapshotId, store));
  }

  /** When a namespace was last proven, if ever. */
  Optional<Instant> lastProven(String namespace) {
    return Optional.ofNullable(namespaces.get(namespace));
  }

  /**
   * The namespaces to prove next, least recently proven first (never proven before all others; ties
   * by name): {@code perSnapshot} of them, or more when more are overdue, that is, neither proven
   * nor first seen within {@code period}. So a new installation does not restore every namespace
   * at once, and a rotation that falls behind (snapshots too rare for the period) catches up.
   */
  List<String> choose(List<String> candidates, int perSnapshot, Duration period, Instant now) {
    candidates.forEach(ns -> seen.putIfAbsent(ns, now));
    List<String> ordered = new ArrayList<>(candidates);
    ordered.sort(Comparator.comparing((String ns) -> namespaces.getOrDefault(ns, Instant.MIN)).thenComparing(ns -> ns));
    Instant due = now.minus(period);
    long overdue = ordered.stream().filter(ns -> namespaces.getOrDefault(ns, seen.get(ns)).isBefore(due)).count();
    int take = (int) Math.min(ordered.size(), Math.max(perSnapshot, overdue));
    return List.copyOf(ordered.subList(0, take));
  }

  /** The newest proof of each target, by target name ({@code etcd/etcd}, {@code resources/cluster}). */
  Map<String, Proof> newest() {
    return Map.copyOf(newest);
  }

  static String target(SnapshotKind kind, String target) {
    return kind.name().toLowerCase(Locale.ROOT) + "/" + target;
  }

  private static String key(String snapshotId, String store) {
    return snapshotId + "@" + store;
  }
}
