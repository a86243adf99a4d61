package dev.lifeboat.verifier;

import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.verifier.VerifierConfig;
import dev.lifeboat.crypto.KeyRing;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.observe.Health;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.blob.BlobStores;
import dev.lifeboat.runtime.ProcessContext;
import dev.lifeboat.runtime.WorkerDefinition;
import dev.lifeboat.runtime.SectionPlugin;
import dev.lifeboat.schemas.topics.Topics;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins the verifier to a Lifeboat process: serves {@code lifeboat.replications}, proving sampled
 * snapshots by restoring them from the off-region copy into scratch targets (a scratch cluster or
 * scratch namespaces of the designated cluster, a scratch etcd, a scratch directory), and
 * publishes {@code lifeboat.verifications}, audit events, the restore-proven RPO and the measured
 * RTO; and serves the verifications VerifyNow commands ask for ({@code VerificationRequested}, on
 * the same topic, with a worker of its own so a request does not wait behind sampled proofs). It needs
 * the repository's master key ({@code snapshotter.masterKey}) and at least one
 * off-region store; without them it does not start and its health says why.
 */
public final class VerifierPlugin extends SectionPlugin<VerifierConfig> {
  private static final Logger log = LoggerFactory.getLogger(VerifierPlugin.class);

  public VerifierPlugin() {
    super("verifier", VerifierConfig.SECTION);
  }

  @Override
  public AutoCloseable start(ProcessContext context) {
    LifeboatConfig config = context.config();
    VerifierConfig settings = settings(context);
    if (!settings.enabled()) {
      return () -> {};
    }
    String missing = config.masterKey() == null ? "repository.masterKey is not set"
        : config.stores().offsite().isEmpty() ? "no off-region store is configured (stores.offsite)" : null;
    if (missing != null) {
      log.warn("The verifier does not run: {}", missing);
      context.health().set(VerifierMetrics.COMPONENT, Health.State.DEGRADED, "not running: " + missing
          + "; no backup is proven by a restore");
      return () -> context.health().remove(VerifierMetrics.COMPONENT);
    }
    var runtime = context.runtime();
    var events = context.events().forSource("verifier");
    Map<String, BlobStore> stores = new LinkedHashMap<>();
    for (StoreConfig store : config.stores().offsite()) {
      stores.put(store.name(), BlobStores.open(store, context.meters()));
    }
    KeyRing keys = config.encryption().map(KeyRing::from).orElse(null);
    ScratchTargets scratch = scratchTargets(context, settings);
    ProofHistory history = loadHistory(context, events.cluster());
    VerifierMetrics metrics = new VerifierMetrics(context.meters(), context.health(), events.clock(), history);
    OffsiteCopies copies = new OffsiteCopies(stores, config.masterKey(), keys, context.meters());
    VerificationHandler handler = new VerificationHandler(events.cluster(), copies, new SamplingPolicy(settings, history,
        events.clock()), new SnapshotVerifier(scratch, settings, context.kubernetes()), scratch, history, metrics, runtime.audit(), events);
    Thread sweep = new Thread(scratch::sweep, "lifeboat-verifier-sweep"); // leftovers of a crash; may wait on the API
    sweep.setDaemon(true);
    sweep.start();
    runtime.start(WorkerDefinition.of("verifier", Topics.REPLICATIONS, handler));
    // VerifyNow: the commands worker asks with a VerificationRequested on the same topic (see VerifyRequestHandler)
    runtime.start(WorkerDefinition.of("verifier-requests", Topics.REPLICATIONS,
        new VerifyRequestHandler(events.cluster(), copies, handler, events.clock())));
    runtime.audit().component(AuditActions.START, "verifier", AuditOutcome.INFO).detail("stores", stores.keySet())
        .detail("scratchCluster", scratch.describeCluster()).detail("scratchDir", settings.scratchDir())
        .detail("volumeFraction", settings.volumeFraction())
        .detail("namespacesPerSnapshot", settings.namespacesPerSnapshot()).publish();
    log.info("Verifier proving copies in {} by restores into {} and {}", stores.keySet(), scratch.describeCluster(),
        settings.scratchDir());
    return () -> runtime.audit().component(AuditActions.STOP, "verifier", AuditOutcome.INFO).publish();
  }

  /** The scratch cluster, or the designated one, and the scratch directory. */
  static ScratchTargets scratchTargets(ProcessContext context, VerifierConfig settings) {
    return new ScratchTargets(ScratchSpace.of(context.config().kubernetes().kubeconfig(), context.kubernetes(), settings));
  }

  private static ProofHistory loadHistory(ProcessContext context, String cluster) {
    try {
      var worker = context.runtime().context();
      return ProofHistory.load(worker.kafka(), worker.registry(), cluster);
    } catch (RuntimeException e) {
      log.warn("Could not read earlier verifications from {} (the rotation starts afresh): {}", Topics.VERIFICATIONS,
          e.toString());
      return new ProofHistory(cluster);
    }
  }
}
