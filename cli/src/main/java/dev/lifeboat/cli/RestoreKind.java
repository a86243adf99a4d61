package dev.lifeboat.cli;

import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.repository.controlplane.ControlPlaneSnapshots;
import java.util.Arrays;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * What {@code restore --kind} names: a snapshot kind of the contract, or {@code control-plane}, which
 * the Restore command carries as a VOLUME restore of the {@code control-plane/} targets (the files of
 * a control-plane node's /etc/kubernetes, taken beside each etcd snapshot) so that the command's
 * schema keeps its three kinds.
 */
enum RestoreKind {
  RESOURCES(SnapshotKind.RESOURCES, null),
  ETCD(SnapshotKind.ETCD, null),
  VOLUME(SnapshotKind.VOLUME, null),
  CONTROL_PLANE(SnapshotKind.VOLUME, ControlPlaneSnapshots.TARGET_PREFIX);

  final SnapshotKind kind;
  /** The Restore's volumeTarget; null: none. */
  final String volumeTarget;

  RestoreKind(SnapshotKind kind, String volumeTarget) {
    this.kind = kind;
    this.volumeTarget = volumeTarget;
  }

  /** How it is written on the command line. */
  String argument() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Accepts {@code resources}, {@code etcd}, {@code volume} and {@code control-plane}, in any case. */
  static final class Converter implements ITypeConverter<RestoreKind> {
    @Override
    public RestoreKind convert(String value) {
      return Arrays.stream(values()).filter(k -> k.argument().equalsIgnoreCase(value) || k.name().equalsIgnoreCase(value))
          .findFirst().orElseThrow(() -> new TypeConversionException("'" + value + "' is not a kind to restore: "
              + Arrays.stream(values()).map(RestoreKind::argument).toList()));
    }
  }
}
