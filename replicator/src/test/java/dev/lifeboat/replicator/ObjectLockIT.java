package dev.lifeboat.replicator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.config.ReplicationConfig;
import dev.lifeboat.config.ReplicationConfig.LockMode;
import dev.lifeboat.config.ReplicationConfig.ObjectLock;
import dev.lifeboat.embedded.CephObjectGateway;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.repository.blob.InMemoryBlobStore;
import dev.lifeboat.repository.blob.S3BlobStore;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import io.minio.GetObjectArgs;
import io.minio.GetObjectRetentionArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.SetObjectRetentionArgs;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.Item;
import io.minio.messages.Retention;
import io.minio.messages.RetentionMode;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Off-region copies under S3 Object Lock, against an S3 server that enforces it (Ceph's RADOS gateway,
 * {@link CephObjectGateway}): the replicator's copies arrive retained, and someone holding the same keys
 * can neither delete a copied version nor replace it, only hide it.
 */
@LifeboatIntegrationTest
class ObjectLockIT {
  private static final String BUCKET = "offsite-locked";
  private static final String PREFIX = "lifeboat";
  private static CephObjectGateway gateway;
  private static MinioClient client;

  @BeforeAll
  static void start() {
    gateway = CephObjectGateway.start(Path.of("target", "ceph-object-gateway"));
    gateway.createLockedBucket(BUCKET);
    client = gateway.client();
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    if (gateway != null) {
      gateway.close();
    }
  }

  private static S3BlobStore offsite(String prefix) {
    return new S3BlobStore(new StoreConfig("offsite-locked", gateway.endpoint(), BUCKET, prefix, gateway.accessKey(),
        gateway.secretKey(), gateway.region(), new ReplicationConfig(2, 0, Optional.of(new ObjectLock(LockMode.COMPLIANCE, 1)))));
  }

  private static RepositoryCopier copier(InMemoryBlobStore source, S3BlobStore target) {
    return new RepositoryCopier("offsite-locked", source, target, ReplicationConfig.defaults(), Clock.systemUTC(),
        new RepositoryCopier.Progress() {
          @Override
          public void copied(String key, long bytes) {}

          @Override
          public void skipped(int objects) {}
        });
  }

  @Test
  void copiesArriveRetainedAndNeitherADeleteNorAnOverwriteWithTheSameKeysRemovesThem() throws Exception {
    InMemoryBlobStore primary = new InMemoryBlobStore("primary");
    TestRepository repository = new TestRepository(primary);
    SnapshotCompleted event = repository.snapshot("etcd-main", 3 << 20, 1);
    Instant before = Instant.now();
    try (S3BlobStore target = offsite(PREFIX); RepositoryCopier copier = copier(primary, target)) {
      RepositoryCopier.Result copied = copier.copySnapshot(event.getManifestKey(), event.getManifestSha256());
      assertThat(copied.objectsCopied()).isGreaterThan(3);

      Map<String, Long> objects = TestRepository.objects(target);
      assertThat(objects).isEqualTo(TestRepository.objects(primary));
      for (String key : objects.keySet()) {
        Retention retention = client.getObjectRetention(GetObjectRetentionArgs.builder().bucket(BUCKET).object(PREFIX + "/" + key).build());
        assertThat(retention.mode()).as(key).isEqualTo(RetentionMode.COMPLIANCE);
        assertThat(retention.retainUntilDate().toInstant()).as(key).isAfter(before.plus(Duration.ofHours(23)));
        assertThat(target.lockedUntil(key, Instant.now())).as("Lifeboat reads the retention of " + key)
            .hasValueSatisfying(until -> assertThat(until).isEqualTo(retention.retainUntilDate().toInstant()));
      }

      String pack = objects.keySet().stream().filter(k -> k.startsWith("packs/")).findFirst().orElseThrow();
      String object = PREFIX + "/" + pack;
      byte[] original = primary.get(pack).orElseThrow();
      String lockedVersion = client.statObject(StatObjectArgs.builder().bucket(BUCKET).object(object).build()).versionId();

      // the primary's keys cannot delete the copied version...
      assertThatThrownBy(() -> client.removeObject(RemoveObjectArgs.builder().bucket(BUCKET).object(object)
          .versionId(lockedVersion).build()))
          .isInstanceOfSatisfying(ErrorResponseException.class, e -> assertThat(e.errorResponse().code()).isEqualTo("AccessDenied"));
      // ...nor shorten its retention
      assertThatThrownBy(() -> client.setObjectRetention(SetObjectRetentionArgs.builder().bucket(BUCKET).object(object)
          .versionId(lockedVersion).config(new Retention(RetentionMode.COMPLIANCE, ZonedDateTime.now().plusMinutes(1))).build()))
          .isInstanceOfSatisfying(ErrorResponseException.class, e -> assertThat(e.errorResponse().code()).isEqualTo("AccessDenied"));

      // an overwrite adds a version in front of it; the copied version stays, byte for byte
      byte[] forged = "not a pack".getBytes();
      client.putObject(PutObjectArgs.builder().bucket(BUCKET).object(object).data(forged, forged.length).build());
      assertThat(versions(object)).hasSize(2);
      assertThat(read(object, lockedVersion)).isEqualTo(original);
      assertThat(target.get(pack)).as("a reader of the current version sees the forgery").hasValue(forged);

      // a delete without a version succeeds, but only hides the object behind a delete marker
      client.removeObject(RemoveObjectArgs.builder().bucket(BUCKET).object(object).build());
      assertThat(target.get(pack)).as("hidden from Lifeboat, which reads current versions").isEmpty();
      assertThat(read(object, lockedVersion)).isEqualTo(original);
      assertThatThrownBy(() -> client.removeObject(RemoveObjectArgs.builder().bucket(BUCKET).object(object)
          .versionId(lockedVersion).build())).isInstanceOf(ErrorResponseException.class);
    }
  }

  @Test
  void aSnapshotHiddenByDeleteMarkersIsCopiedAgainFromThePrimaryAndRestores() throws Exception {
    InMemoryBlobStore primary = new InMemoryBlobStore("primary");
    TestRepository repository = new TestRepository(primary);
    SnapshotCompleted event = repository.snapshot("etcd-hidden", 2 << 20, 2);
    String prefix = PREFIX + "-hidden";
    try (S3BlobStore target = offsite(prefix)) {
      try (RepositoryCopier copier = copier(primary, target)) {
        copier.copySnapshot(event.getManifestKey(), event.getManifestSha256());
      }
      List<String> keys = new ArrayList<>(TestRepository.objects(target).keySet());
      for (String key : keys) {
        client.removeObject(RemoveObjectArgs.builder().bucket(BUCKET).object(prefix + "/" + key).build());
      }
      assertThat(TestRepository.objects(target)).as("every copy hidden by a delete marker").isEmpty();

      // a replicator that starts afresh (its known set rebuilt from a listing) copies them again as new versions
      try (RepositoryCopier copier = copier(primary, target)) {
        RepositoryCopier.Result again = copier.copySnapshot(event.getManifestKey(), event.getManifestSha256());
        assertThat(again.objectsCopied()).isEqualTo(keys.size());
      }
      assertThat(TestRepository.restore(target, event)).isEqualTo(TestRepository.restore(primary, event));
      for (String key : keys) {
        assertThat(versions(prefix + "/" + key)).as("the hidden, still retained version, and the new one").hasSize(2);
        assertThat(target.lockedUntil(key, Instant.now())).isPresent();
      }
    }
  }

  private static List<Item> versions(String object) throws Exception {
    List<Item> versions = new ArrayList<>();
    for (Result<Item> item : client.listObjects(ListObjectsArgs.builder().bucket(BUCKET).prefix(object).includeVersions(true).build())) {
      Item i = item.get();
      if (i.objectName().equals(object) && !i.isDeleteMarker()) {
        versions.add(i);
      }
    }
    return versions;
  }

  private static byte[] read(String object, String version) throws Exception {
    try (var in = client.getObject(GetObjectArgs.builder().bucket(BUCKET).object(object).versionId(version).build())) {
      return in.readAllBytes();
    }
  }
}
