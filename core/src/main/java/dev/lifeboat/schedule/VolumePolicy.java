package dev.lifeboat.schedule;

import dev.lifeboat.config.ConfigReader;
import dev.lifeboat.config.Field;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which volumes get snapshot requests, and when and how. A policy matches a claim by storage class
 * or by a label ({@code key=value}); the first matching policy wins; claims no policy matches are
 * not snapshotted.
 *
 * @param mode ON_CHANGE: on bind, mount and resize; INTERVAL: every {@code interval} while mounted; NEVER
 * @param method FILE: the node agent of the node that mounts the volume reads its files; CSI: the
 *     cluster-wide snapshotter asks the volume's CSI driver for a VolumeSnapshot
 */
public record VolumePolicy(String storageClass, String label, Mode mode, Duration interval, Method method) {
  /** When to request snapshots of the matching volumes. */
  public enum Mode { ON_CHANGE, INTERVAL, NEVER }

  /** How the matching volumes are snapshotted; the name is the request's {@code method} parameter, lower case. */
  public enum Method { FILE, CSI }

  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9./_-]+=[A-Za-z0-9._-]*");
  static final Field<String> STORAGE_CLASS = Field.string("storageClass", "Match claims of this storage class.").optional();
  static final Field<String> LABEL_FIELD = Field.string("label", "Match claims with this label, key=value.").optional()
      .validate(l -> LABEL.matcher(l).matches(), "key=value");
  static final Field<String> MODE = Field.string("mode", "on-change, interval or never.")
      .validate(m -> List.of("on-change", "interval", "never").contains(m), "on-change, interval, never");
  static final Field<Duration> INTERVAL = Field.duration("interval", "For mode interval: time between snapshots.").optional()
      .validate(d -> d.toSeconds() >= 10, "at least 10s");
  static final Field<String> METHOD = Field.string("method",
      "file: the node agent reads the mounted volume's files; csi: a CSI VolumeSnapshot (snapshot.storage.k8s.io/v1).")
      .withDefault("file").validate(m -> List.of("file", "csi").contains(m), "file, csi");

  /** A file-level policy. */
  public VolumePolicy(String storageClass, String label, Mode mode, Duration interval) {
    this(storageClass, label, mode, interval, Method.FILE);
  }

  public static VolumePolicy read(ConfigReader r) {
    String storageClass = r.get(STORAGE_CLASS);
    String label = r.get(LABEL_FIELD);
    String mode = r.get(MODE);
    Duration interval = r.get(INTERVAL);
    String method = r.get(METHOD);
    if (storageClass == null && label == null) {
      r.reportProblem("storageClass", "or label must be given: a policy must say which claims it matches");
    }
    if ("interval".equals(mode) && interval == null) {
      r.reportProblem("interval", "is required when mode is interval");
    }
    r.rejectUnknown(List.of());
    Mode parsed = mode == null ? Mode.NEVER : Mode.valueOf(mode.toUpperCase().replace('-', '_'));
    return new VolumePolicy(storageClass, label, parsed, interval,
        method == null ? Method.FILE : Method.valueOf(method.toUpperCase(java.util.Locale.ROOT)));
  }

  public static List<Field<?>> fields() {
    return List.of(STORAGE_CLASS, LABEL_FIELD, MODE, INTERVAL, METHOD);
  }
}
