package dev.lifeboat.watcher.volume;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;

/** Kubernetes resource quantities ({@code 10Gi}, {@code 500M}, {@code 1.5e9}) as whole bytes. */
final class Quantities {
  static final String STORAGE = "storage";

  private Quantities() {}

  /**
   * The quantity in bytes, rounded up to a whole byte; null when there is none or it is not a
   * quantity Kubernetes would accept, or it does not fit a long.
   */
  static Long bytes(Quantity quantity) {
    if (quantity == null || quantity.getAmount() == null || quantity.getAmount().isBlank()) {
      return null;
    }
    try {
      BigDecimal amount = Quantity.getAmountInBytes(quantity);
      if (amount.signum() < 0) {
        return null;
      }
      return amount.setScale(0, RoundingMode.CEILING).longValueExact();
    } catch (ArithmeticException | IllegalArgumentException e) {
      return null;
    }
  }

  /** The {@code storage} entry of a capacity or requests map, in bytes. */
  static Long storage(Map<String, Quantity> resources) {
    return resources == null ? null : bytes(resources.get(STORAGE));
  }
}
