package dev.lifeboat.snapshotter.etcd;

import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.ManifestStore;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.StreamWriter;
import dev.lifeboat.retry.RetriableFailure;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.SnapshotResponse;
import io.etcd.jetcd.options.GetOption;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams an etcd snapshot (the maintenance API's snapshot stream) straight into the repository:
 * chunked as it arrives, so the database never sits whole in memory or on local disk. The trailing
 * SHA-256 that etcd appends is checked before the manifest is written; the revision the snapshot was
 * seen as it started, the number of keys then and the database size go into the manifest.
 */
public final class EtcdSnapshotter {
  private static final Logger log = LoggerFactory.getLogger(EtcdSnapshotter.class);
  public static final String STREAM = "etcd.db";
  private static final ByteSequence ALL = ByteSequence.from(new byte[] {0});

  private final Client etcd;
  private final List<String> endpoints;
  private final Repository repository;
  private final ExecutorService uploads;
  private final Clock clock;

  /** For a client whose endpoints are not known here: errors then name no endpoint. */
  public EtcdSnapshotter(Client etcd, Repository repository, ExecutorService uploads, Clock clock) {
    this(etcd, List.of(), repository, uploads, clock);
  }

  /**
   * @param endpoints the client URLs {@code etcd} was built with (etcd.endpoints), named in errors: jetcd's own
   *     errors do not say which etcd failed
   */
  public EtcdSnapshotter(Client etcd, List<String> endpoints, Repository repository, ExecutorService uploads, Clock clock) {
    this.etcd = etcd;
    this.endpoints = List.copyOf(endpoints);
    this.repository = repository;
    this.uploads = uploads;
    this.clock = clock;
  }

  /** What a snapshot produced. */
  public record Result(Manifest manifest, ManifestStore.Written written, long newChunks, long newBytes, Duration duration) {
    public long revision() {
      return Long.parseLong(manifest.details().get("revision"));
    }

    public long keys() {
      return Long.parseLong(manifest.details().get("keys"));
    }
  }

  public Result snapshot(String cluster, String target, String snapshotId, LongConsumer progress) throws IOException {
    Instant started = clock.instant();
    // The snapshot response carries no revision: record the revision and key count seen just before
    // it starts. With writes in flight the snapshot may hold a little more; a restore check reads the
    // exact figures from the reassembled database (etcdctl snapshot status).
    KeyCount before = countKeys();
    QueueInputStream stream = new QueueInputStream(64);
    etcd.getMaintenanceClient().snapshot(new StreamObserver<SnapshotResponse>() {
      @Override
      public void onNext(SnapshotResponse response) {
        try {
          stream.push(response.getBlob().toByteArray());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          stream.fail(e);
        }
      }

      @Override
      public void onError(Throwable error) {
        stream.fail(error);
      }

      @Override
      public void onCompleted() {
        try {
          stream.end();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          stream.fail(e);
        }
      }
    });
    TrailingHashCheck checked = new TrailingHashCheck(stream);
    StreamWriter.Result written = new StreamWriter(repository.chunks(), repository.chunker(), uploads, 4)
        .write(STREAM, checked, progress);
    checked.verify();
    String parent = repository.manifests().latest(SnapshotKind.ETCD, target).map(Manifest::snapshotId).orElse(null);
    Manifest manifest = new Manifest(Manifest.FORMAT, snapshotId, SnapshotKind.ETCD, target, cluster, started, parent,
        SnapshotPhase.COMPLETED, List.of(written.stream()), null, Map.of(
            "revision", Long.toString(before.revision()),
            "keys", Long.toString(before.keys()),
            "dbSize", Long.toString(checked.databaseSize()),
            "sha256Checked", "true"));
    ManifestStore.Written stored = repository.manifests().write(manifest);
    Duration duration = Duration.between(started, clock.instant());
    log.info("etcd snapshot {} of {}: revision {}, {} keys, {} bytes, {} new chunks ({} bytes) in {} ms", snapshotId, target,
        before.revision(), before.keys(), checked.databaseSize(), written.newChunks(), written.newBytes(), duration.toMillis());
    return new Result(manifest, stored, written.newChunks(), written.newBytes(), duration);
  }

  private record KeyCount(long revision, long keys) {}

  private KeyCount countKeys() {
    try {
      var response = etcd.getKVClient().get(ALL, GetOption.builder().withRange(ALL).withCountOnly(true).build())
          .get(30, TimeUnit.SECONDS);
      return new KeyCount(response.getHeader().getRevision(), response.getCount());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RetriableFailure("interrupted while counting etcd keys", e);
    } catch (ExecutionException e) {
      throw EtcdFailures.classify("count its keys", endpoints, e.getCause());
    } catch (TimeoutException e) {
      throw new RetriableFailure(EtcdFailures.at(endpoints) + " did not count its keys within 30 s", e);
    }
  }
}
