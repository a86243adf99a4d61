package dev.lifeboat.replicator;

import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.config.ReplicationConfig;
import dev.lifeboat.observe.Health;
import dev.lifeboat.repository.blob.BlobOperation;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.blob.FaultInjectingBlobStore;
import dev.lifeboat.repository.blob.S3BlobStore;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.runtime.WorkerRuntime;
import dev.lifeboat.schemas.registry.HttpSchemaRegistryClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The replicator of one store in a process of its own, with slow uploads, for a test to kill
 * part-way: {@code BOOTSTRAP REGISTRY TOPIC STORE PRIMARY_ENDPOINT PRIMARY_BUCKET OFFSITE_ENDPOINT
 * OFFSITE_BUCKET PREFIX ACCESS_KEY SECRET_KEY PUT_DELAY_MS}.
 */
public final class ReplicatorInAnotherProcess {
  public static void main(String[] args) throws Exception {
    String store = args[3];
    BlobStore source = ReplicatorIT.retrying(new S3BlobStore(new StoreConfig("primary", args[4], args[5], args[8], args[9],
        args[10], null)));
    FaultInjectingBlobStore slow = new FaultInjectingBlobStore(new S3BlobStore(new StoreConfig(store, args[6], args[7], args[8],
        args[9], args[10], null)));
    slow.delay(BlobOperation.PUT, Duration.ofMillis(Long.parseLong(args[11])));
    EventFactory events = new EventFactory("test", "replicator", Clock.systemUTC());
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    // this process is killed: the broker's shortest session (6 s) lets the next replicator take its
    // partition soon after, instead of after the default 45 s
    WorkerRuntime runtime = new WorkerRuntime(new KafkaClients(args[0], Map.of("session.timeout.ms", 6000,
        "heartbeat.interval.ms", 2000)), new HttpSchemaRegistryClient(args[1]), events, meters,
        new Health(Clock.systemUTC()), "it-");
    TargetReplication replication = new TargetReplication(store, new ReplicationConfig(2, 0, Optional.empty()), source,
        ReplicatorIT.retrying(slow), events, runtime.audit(), meters, new Health(Clock.systemUTC()));
    runtime.start(replication.worker(args[2], ReplicatorIT.FAST));
    System.out.println("replicator started");
    Thread.sleep(Long.MAX_VALUE);
  }
}
