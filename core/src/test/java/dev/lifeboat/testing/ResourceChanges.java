package dev.lifeboat.testing;

import dev.lifeboat.events.v1.ChangeType;
import dev.lifeboat.events.v1.Header;
import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.kube.ObjectIdentity;
import dev.lifeboat.schemas.serde.TrustedContract;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

/**
 * Fluent builder of {@link ResourceChanged} records for tests: {@code
 * ResourceChanges.in("prod").namespace("shop").configMap("web").data("color", "blue").modified()}.
 * Group, version and kind default to a core-group ConfigMap; the object is JSON built from the
 * identity and the data.
 */
public final class ResourceChanges {
  static {
    TrustedContract.ensure();
  }

  private final String cluster;
  private String namespace;
  private String group = "";
  private String version = "v1";
  private String kind = "ConfigMap";
  private String name = "object";
  private String uid;
  private String data = "";
  private int resourceVersion = 1;
  private Instant observedAt = Instant.now();

  private ResourceChanges(String cluster) {
    this.cluster = cluster;
  }

  public static ResourceChanges in(String cluster) {
    return new ResourceChanges(cluster);
  }

  public ResourceChanges namespace(String value) {
    this.namespace = value;
    return this;
  }

  /** Cluster-scoped: no namespace. */
  public ResourceChanges clusterScoped() {
    this.namespace = null;
    return this;
  }

  public ResourceChanges kind(String apiGroup, String apiVersion, String kindName) {
    this.group = apiGroup;
    this.version = apiVersion;
    this.kind = kindName;
    return this;
  }

  public ResourceChanges configMap(String objectName) {
    kind("", "v1", "ConfigMap");
    this.name = objectName;
    return this;
  }

  public ResourceChanges name(String objectName) {
    this.name = objectName;
    return this;
  }

  /** One entry of the ConfigMap's data (any kind gets it under {@code data}). */
  public ResourceChanges data(String value) {
    this.data = value;
    return this;
  }

  public ResourceChanges resourceVersion(int value) {
    this.resourceVersion = value;
    return this;
  }

  public ResourceChanges observedAt(Instant value) {
    this.observedAt = value;
    return this;
  }

  public ResourceChanges uid(String value) {
    this.uid = value;
    return this;
  }

  /** The record key: {@code cluster/namespace/group/kind/name}. */
  public String key() {
    return new ObjectIdentity(cluster, namespace, group, kind, name).key();
  }

  public String objectJson() {
    return "{\"apiVersion\":\"" + (group.isEmpty() ? version : group + "/" + version) + "\",\"kind\":\"" + kind
        + "\",\"metadata\":{\"name\":\"" + name + "\"" + (namespace == null ? "" : ",\"namespace\":\"" + namespace + "\"")
        + ",\"resourceVersion\":\"" + resourceVersion + "\"},\"data\":{\"value\":\"" + data + "\"}}";
  }

  public ResourceChanged added() {
    return build(ChangeType.ADDED);
  }

  public ResourceChanged modified() {
    return build(ChangeType.MODIFIED);
  }

  public ResourceChanged deleted() {
    return build(ChangeType.DELETED);
  }

  public ResourceChanged build(ChangeType type) {
    String objectUid = uid != null ? uid : UUID.nameUUIDFromBytes(key().getBytes(StandardCharsets.UTF_8)).toString();
    return ResourceChanged.newBuilder()
        .setHeader(Header.newBuilder().setEventId(UUID.randomUUID().toString()).setTime(observedAt).setCluster(cluster)
            .setSource("test").build())
        .setType(type).setGroup(group).setVersion(version).setKind(kind).setNamespace(namespace).setName(name)
        .setUid(objectUid).setResourceVersion(Integer.toString(resourceVersion)).setObservedAt(observedAt)
        .setContentHash(Integer.toHexString(objectJson().hashCode()))
        .setObject(ByteBuffer.wrap(objectJson().getBytes(StandardCharsets.UTF_8)))
        .build();
  }
}
