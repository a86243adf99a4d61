package dev.lifeboat.restore;

/**
 * A volume snapshot could not be moved into a claim: its message names the claim, the data-mover pod
 * and what to fix (a claim that does not bind, a pod that does not run, a receiver that found files
 * that did not match, a stream that broke).
 */
public final class VolumeMoveException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String claim;
  private final String pod;

  /** @param claim {@code namespace/name} of the claim; @param pod {@code namespace/name} of the mover pod */
  public VolumeMoveException(String claim, String pod, String message, Throwable cause) {
    super(message, cause);
    this.claim = claim;
    this.pod = pod;
  }

  public String claim() {
    return claim;
  }

  public String pod() {
    return pod;
  }
}
