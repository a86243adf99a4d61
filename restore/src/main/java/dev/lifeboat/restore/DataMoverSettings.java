package dev.lifeboat.restore;

import java.time.Duration;
import java.util.Objects;

/**
 * How a resource restore writes volume data into the claims it creates ({@link VolumeMover}).
 *
 * @param image the image of the data-mover pod: Lifeboat's own, whose {@code lifeboat volume
 *     receive} writes the files
 * @param startTimeout how long a mover pod may take to run (its claim to bind, its image to pull)
 * @param moversAtOnce how many claims are filled at the same time, each by a pod of its own
 * @param owners give restored files their recorded owners: the mover pods then run as root with the
 *     CHOWN and FOWNER capabilities alone (otherwise as an unprivileged user, with none)
 */
public record DataMoverSettings(String image, Duration startTimeout, int moversAtOnce, boolean owners) {
  public static final Duration DEFAULT_START_TIMEOUT = Duration.ofMinutes(5);
  /**
   * Claims filled side by side by default: each mover is a pod on some node and a stream from the
   * repository, so a few at once keep both the store and the nodes busy without a storm of pods.
   */
  public static final int DEFAULT_MOVERS_AT_ONCE = 4;
  /** The image the deploy manifests run (deploy/components/workload sets the same name and tag). */
  public static final String DEFAULT_IMAGE = "ghcr.io/lifeboat-dev/lifeboat:0.1.0";
  /** Names another image for the mover pods (a mirror, a private registry). */
  public static final String IMAGE_VARIABLE = "LIFEBOAT_DATA_MOVER_IMAGE";

  /** Lifeboat's image, or the one {@value #IMAGE_VARIABLE} names. */
  public static DataMoverSettings fromEnvironment() {
    String image = System.getenv(IMAGE_VARIABLE);
    return new DataMoverSettings(image == null || image.isBlank() ? DEFAULT_IMAGE : image.trim(), DEFAULT_START_TIMEOUT);
  }

  public DataMoverSettings(String image, Duration startTimeout) {
    this(image, startTimeout, DEFAULT_MOVERS_AT_ONCE);
  }

  /** Movers that leave restored files to their own, unprivileged user. */
  public DataMoverSettings(String image, Duration startTimeout, int moversAtOnce) {
    this(image, startTimeout, moversAtOnce, false);
  }

  public DataMoverSettings {
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(startTimeout, "startTimeout");
    if (moversAtOnce < 1) {
      throw new IllegalArgumentException("at least one data mover must run at a time, was " + moversAtOnce);
    }
  }
}
