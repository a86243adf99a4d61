package dev.lifeboat.schemas.serde;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro refuses to instantiate generated classes from packages it does not trust. Lifeboat's contract
 * classes are trusted here, once per JVM, in addition to whatever the application already trusts
 * (including the {@code org.apache.avro.SERIALIZABLE_PACKAGES} system property). The serde does this
 * itself; code that reads contract classes with Avro directly (change-log segments in the
 * repository, for one) calls {@link #ensure()} first.
 */
public final class TrustedContract {
  private static final AtomicBoolean DONE = new AtomicBoolean();
  private static final String[] PACKAGES = {"dev.lifeboat.events.", "dev.lifeboat.commands."};

  private TrustedContract() {}

  /** Trusts the contract's packages; idempotent and cheap after the first call. */
  public static void ensure() {
    if (DONE.compareAndSet(false, true)) {
      ClassSecurityValidator.ClassSecurityPredicate ours = TrustedContract::isContractClass;
      ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(ClassSecurityValidator.getGlobal(), ours));
    }
  }

  private static boolean isContractClass(Class<?> type) {
    String name = type.getName();
    for (String prefix : PACKAGES) {
      if (name.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }
}
