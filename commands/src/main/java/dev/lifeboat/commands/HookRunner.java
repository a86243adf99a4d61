package dev.lifeboat.commands;

import dev.lifeboat.commands.PodHooks.Hook;
import dev.lifeboat.commands.PodHooks.OnError;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.schemas.audit.AuditActions;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.ExecListener;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one application hook through the API's exec ({@code pods/exec}) and audits it: one {@code
 * hook.pre} or {@code hook.post} event per hook, correlated with the command, with pod, container,
 * exit code, duration and the last {@value #TAIL_BYTES} bytes of its stdout and stderr. A hook that
 * exits non-zero, does not finish within its timeout (the exec is then closed) or cannot be exec'd at
 * all has failed; its {@code on-error} says whether that fails the recovery point.
 */
final class HookRunner {
  private static final Logger log = LoggerFactory.getLogger(HookRunner.class);
  /** How much of each stream an audit event carries: the event stays a few KB whatever the hook prints. */
  static final int TAIL_BYTES = 1024;
  /** How much of stderr goes into a reason sentence. */
  private static final int REASON_TAIL = 300;
  /** After the exit code, how long the last output may take to arrive. */
  private static final Duration DRAIN = Duration.ofSeconds(5);

  /** How a hook ended. {@code exitCode} is null when it never reported one (timed out, refused). */
  record Result(Hook hook, Integer exitCode, boolean timedOut, String failure, String stdoutTail, String stderrTail,
      long durationMillis) {
    boolean ok() {
      return failure == null;
    }

    /** What a person reads: where it ran, how it ended, and the end of its stderr. */
    String describe() {
      String phase = hook.phase().key();
      if (ok()) {
        return phase + " hook in " + hook.where() + " succeeded";
      }
      return phase + " hook " + hook.command() + " in pod " + hook.namespace() + "/" + hook.pod() + ", container "
          + hook.container() + " " + failure + (stderrTail.isBlank() ? "" : "; stderr: " + stderrTail);
    }
  }

  private final KubernetesClient client;

  HookRunner(KubernetesClient client) {
    this.client = client;
  }

  /** Runs {@code hook}, waits at most its timeout, and writes its audit event. */
  Result run(Hook hook, Execution execution) {
    OutputTail stdout = new OutputTail(TAIL_BYTES);
    OutputTail stderr = new OutputTail(TAIL_BYTES);
    CountDownLatch closed = new CountDownLatch(1);
    long start = System.nanoTime();
    Integer exitCode = null;
    boolean timedOut = false;
    String failure = null;
    try (ExecWatch exec = client.pods().inNamespace(hook.namespace()).withName(hook.pod()).inContainer(hook.container())
        .writingOutput(stdout).writingError(stderr).usingListener(new ExecListener() {
          @Override
          public void onClose(int code, String reason) {
            closed.countDown();
          }

          @Override
          public void onFailure(Throwable t, Response response) {
            closed.countDown();
          }
        }).exec(hook.command().toArray(String[]::new))) {
      try {
        exitCode = exec.exitCode().get(hook.timeout().toMillis(), TimeUnit.MILLISECONDS);
        closed.await(DRAIN.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        timedOut = true;
        failure = "did not finish within " + hook.timeout().toMillis() + " ms (the exec was closed; a process the"
            + " command started in the container may still run)";
      } catch (ExecutionException e) {
        failure = "could not be run: " + e.getCause();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure = "was interrupted";
    } catch (RuntimeException e) {
      failure = "could not be exec'd: " + e.getMessage();
    }
    if (failure == null && exitCode != null && exitCode != 0) {
      failure = "exited " + exitCode;
    } else if (failure == null && exitCode == null) {
      failure = "ended without an exit code";
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    Result result = new Result(hook, exitCode, timedOut, failure, stdout.text(), stderr.oneLine(REASON_TAIL), millis);
    audit(result, stdout, stderr, execution);
    return result;
  }

  /** A hook that is not run (its pod is not running): audited as INFO with the reason. */
  void skipped(Hook hook, String reason, Execution execution) {
    execution.event(action(hook), hook.where(), AuditOutcome.INFO).reason(reason)
        .detail("pod", hook.namespace() + "/" + hook.pod()).detail("container", hook.container()).publish();
  }

  private static void audit(Result r, OutputTail stdout, OutputTail stderr, Execution execution) {
    Hook hook = r.hook();
    var event = execution.event(action(hook), hook.where(), r.ok() ? AuditOutcome.SUCCEEDED : AuditOutcome.FAILED)
        .detail("pod", hook.namespace() + "/" + hook.pod()).detail("container", hook.container())
        .detail("command", bounded(String.join(" ", hook.command()), 512))
        .detail("exitCode", r.exitCode() == null ? "none" : r.exitCode().toString())
        .detail("durationMillis", r.durationMillis()).detail("timeoutMillis", hook.timeout().toMillis())
        .detail("onError", hook.onError() == OnError.FAIL ? "Fail" : "Continue")
        .detail("stdoutTail", stdout.text()).detail("stdoutBytes", stdout.written())
        .detail("stderrTail", stderr.text()).detail("stderrBytes", stderr.written());
    if (r.timedOut()) {
      event.detail("timedOut", "true");
    }
    if (!r.ok()) {
      event.reason(r.describe());
      log.warn("Command {}: {}", execution.commandId(), r.describe());
    }
    event.publish();
  }

  private static String action(Hook hook) {
    return hook.phase() == PodHooks.Phase.PRE ? AuditActions.HOOK_PRE : AuditActions.HOOK_POST;
  }

  private static String bounded(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "...";
  }
}
