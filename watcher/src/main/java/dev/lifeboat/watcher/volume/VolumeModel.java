package dev.lifeboat.watcher.volume;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The cluster as far as volume events go: claims, their volumes, the pods that mount them and the
 * attachments that name their CSI drivers, indexed so that a change of any one object finds the
 * claims it concerns. Every update returns the uids of those claims. Not thread-safe: its owner
 * serialises access.
 *
 * <p>A deleted claim is kept as departed while its volume may still say something about it (a
 * volume that is not yet Released), then {@linkplain #forget forgotten}.
 */
final class VolumeModel {
  private final Map<String, ClaimView> claims = new HashMap<>();
  private final Set<String> departed = new HashSet<>();
  private final Map<String, String> claimByKey = new HashMap<>();
  private final Map<String, String> claimByVolumeName = new HashMap<>();
  private final Map<String, VolumeView> volumes = new HashMap<>();
  private final Map<String, String> volumeByClaim = new HashMap<>();
  private final Map<String, PodView> pods = new HashMap<>();
  private final Map<String, Set<String>> podsByClaimKey = new HashMap<>();
  private final Map<String, PodView> gonePods = new HashMap<>();
  private final Map<String, Map<String, String>> attachersByVolume = new HashMap<>();
  private final Map<String, String> volumeByAttachment = new HashMap<>();

  /** A claim, its volume as far as it is known, and the driver that serves it. */
  record Volume(ClaimView claim, VolumeView volume, String pvName, String storageClass, String csiDriver) {}

  Set<String> putClaim(ClaimView claim) {
    ClaimView old = claims.put(claim.uid(), claim);
    departed.remove(claim.uid());
    if (old != null && old.volumeName() != null) {
      claimByVolumeName.remove(old.volumeName(), old.uid());
    }
    claimByKey.put(claim.key(), claim.uid());
    if (claim.volumeName() != null && !claim.volumeName().isEmpty()) {
      claimByVolumeName.put(claim.volumeName(), claim.uid());
    }
    return Set.of(claim.uid());
  }

  /** Marks a claim deleted; its view stays until {@link #forget}. */
  Set<String> removeClaim(String uid) {
    ClaimView claim = claims.get(uid);
    if (claim == null) {
      return Set.of();
    }
    departed.add(uid);
    claimByKey.remove(claim.key(), uid);
    return Set.of(uid);
  }

  /** Adds a claim known only from what was published about it, as departed: it is not in the cluster. */
  void rememberDeparted(ClaimView claim) {
    if (!claims.containsKey(claim.uid())) {
      claims.put(claim.uid(), claim);
      departed.add(claim.uid());
    }
  }

  void forget(String uid) {
    ClaimView claim = claims.remove(uid);
    departed.remove(uid);
    if (claim != null) {
      claimByKey.remove(claim.key(), uid);
      if (claim.volumeName() != null) {
        claimByVolumeName.remove(claim.volumeName(), uid);
      }
    }
  }

  Set<String> putVolume(VolumeView volume) {
    Set<String> affected = new LinkedHashSet<>();
    VolumeView old = volumes.put(volume.name(), volume);
    if (old != null && old.claimUid() != null) {
      volumeByClaim.remove(old.claimUid(), old.name());
      affected.add(old.claimUid());
    }
    if (volume.claimUid() != null) {
      volumeByClaim.put(volume.claimUid(), volume.name());
      affected.add(volume.claimUid());
    }
    addClaimOfVolume(volume.name(), affected);
    return known(affected);
  }

  Set<String> removeVolume(String name) {
    Set<String> affected = new LinkedHashSet<>();
    VolumeView old = volumes.remove(name);
    if (old != null && old.claimUid() != null) {
      volumeByClaim.remove(old.claimUid(), name);
      affected.add(old.claimUid());
    }
    addClaimOfVolume(name, affected);
    return known(affected);
  }

  Set<String> putPod(PodView pod) {
    Set<String> affected = new LinkedHashSet<>();
    PodView old = pods.put(pod.key(), pod);
    gonePods.remove(pod.key());
    if (old != null) {
      unindex(old, affected);
    }
    for (String claimName : pod.claimNames()) {
      String claimKey = pod.namespace() + "/" + claimName;
      podsByClaimKey.computeIfAbsent(claimKey, k -> new HashSet<>()).add(pod.key());
      addClaim(claimKey, affected);
    }
    return affected;
  }

  /** Removes a pod; it stays {@linkplain #pod findable} until {@link #forgetGonePods}, for the events its going causes. */
  Set<String> removePod(String key) {
    Set<String> affected = new LinkedHashSet<>();
    PodView old = pods.remove(key);
    if (old != null) {
      gonePods.put(key, old);
      unindex(old, affected);
    }
    return affected;
  }

  void forgetGonePods() {
    gonePods.clear();
  }

  Set<String> putAttachment(String name, String attacher, String pvName) {
    Set<String> affected = new LinkedHashSet<>(removeAttachment(name));
    if (pvName != null && attacher != null) {
      volumeByAttachment.put(name, pvName);
      attachersByVolume.computeIfAbsent(pvName, k -> new TreeMap<>()).put(name, attacher);
      addClaimOfVolume(pvName, affected);
    }
    return known(affected);
  }

  Set<String> removeAttachment(String name) {
    Set<String> affected = new LinkedHashSet<>();
    String pvName = volumeByAttachment.remove(name);
    if (pvName != null) {
      Map<String, String> attachers = attachersByVolume.get(pvName);
      if (attachers != null) {
        attachers.remove(name);
        if (attachers.isEmpty()) {
          attachersByVolume.remove(pvName);
        }
      }
      addClaimOfVolume(pvName, affected);
    }
    return known(affected);
  }

  boolean knows(String uid) {
    return claims.containsKey(uid);
  }

  Collection<String> claimUids() {
    return new LinkedHashSet<>(claims.keySet());
  }

  /** What the cluster shows about a claim now; {@link ClaimFacts#NONE} for a claim it never showed. */
  ClaimFacts observe(String uid) {
    ClaimView claim = claims.get(uid);
    if (claim == null) {
      return ClaimFacts.NONE;
    }
    boolean gone = departed.contains(uid);
    VolumeView volume = volumeOf(uid);
    boolean released = volume != null && volume.released() && uid.equals(volume.claimUid());
    return ClaimFacts.of(claim.bound(), claim.capacityBytes(), gone ? Map.of() : mounts(claim), released, gone);
  }

  Volume describe(String uid) {
    ClaimView claim = claims.get(uid);
    if (claim == null) {
      return null;
    }
    VolumeView volume = volumeOf(uid);
    String pvName = volume != null ? volume.name() : claim.volumeName();
    String storageClass = claim.storageClass() != null ? claim.storageClass()
        : volume == null ? null : volume.storageClass();
    String driver = volume != null && volume.csiDriver() != null ? volume.csiDriver() : attacher(pvName);
    return new Volume(claim, volume, pvName, storageClass, driver);
  }

  /** A pod by namespace/name, including one removed since the last {@link #forgetGonePods}. */
  PodView pod(String key) {
    PodView pod = pods.get(key);
    return pod != null ? pod : gonePods.get(key);
  }

  /** The volume a claim is bound to: the one whose claimRef names it, else the one it names. */
  VolumeView volumeOf(String uid) {
    String name = volumeByClaim.get(uid);
    if (name == null) {
      ClaimView claim = claims.get(uid);
      name = claim == null ? null : claim.volumeName();
    }
    return name == null ? null : volumes.get(name);
  }

  private Map<String, String> mounts(ClaimView claim) {
    Map<String, String> mounts = new TreeMap<>();
    for (String podKey : podsByClaimKey.getOrDefault(claim.key(), Set.of())) {
      PodView pod = pods.get(podKey);
      if (pod != null && pod.mounting()) {
        mounts.put(podKey, pod.node());
      }
    }
    return mounts;
  }

  private String attacher(String pvName) {
    Map<String, String> attachers = pvName == null ? null : attachersByVolume.get(pvName);
    return attachers == null || attachers.isEmpty() ? null : attachers.values().iterator().next();
  }

  private void unindex(PodView pod, Set<String> affected) {
    for (String claimName : pod.claimNames()) {
      String claimKey = pod.namespace() + "/" + claimName;
      Set<String> keys = podsByClaimKey.get(claimKey);
      if (keys != null) {
        keys.remove(pod.key());
        if (keys.isEmpty()) {
          podsByClaimKey.remove(claimKey);
        }
      }
      addClaim(claimKey, affected);
    }
  }

  private void addClaim(String claimKey, Set<String> affected) {
    String uid = claimByKey.get(claimKey);
    if (uid != null) {
      affected.add(uid);
    }
  }

  private void addClaimOfVolume(String pvName, Set<String> affected) {
    String uid = claimByVolumeName.get(pvName);
    if (uid != null) {
      affected.add(uid);
    }
    VolumeView volume = volumes.get(pvName);
    if (volume != null && volume.claimUid() != null) {
      affected.add(volume.claimUid());
    }
  }

  private Set<String> known(Set<String> uids) {
    uids.removeIf(uid -> !claims.containsKey(uid));
    return uids;
  }
}
