package dev.lifeboat.kube;

import java.util.Objects;

/**
 * Who an object is: cluster, namespace (empty for cluster-scoped), API group (empty for the core
 * group), kind and name. Its {@link #key()} {@code cluster/namespace/group/kind/name} is the record
 * key on Lifeboat's resource topics, so every change of one object stays in one partition, in order.
 */
public record ObjectIdentity(String cluster, String namespace, String group, String kind, String name) {

  public ObjectIdentity {
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    namespace = namespace == null ? "" : namespace;
    group = group == null ? "" : group;
  }

  public String key() {
    return cluster + "/" + namespace + "/" + group + "/" + kind + "/" + name;
  }

  /** Whether this object is of the given group and kind. */
  public boolean sameKind(String otherGroup, String otherKind) {
    return group.equals(otherGroup) && kind.equals(otherKind);
  }

  public static ObjectIdentity parse(String key) {
    String[] parts = key.split("/", -1);
    if (parts.length != 5) {
      throw new IllegalArgumentException("not an object key (cluster/namespace/group/kind/name): " + key);
    }
    return new ObjectIdentity(parts[0], parts[1], parts[2], parts[3], parts[4]);
  }

  @Override
  public String toString() {
    return key();
  }
}
