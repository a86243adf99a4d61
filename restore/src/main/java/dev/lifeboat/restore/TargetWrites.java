package dev.lifeboat.restore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeboat.events.v1.ConflictPolicy;
import dev.lifeboat.restore.ResourceRestoreReport.Action;
import dev.lifeboat.retry.RetriableFailure;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Writes one object into the target: create; on 409, skip it or merge-patch it per the conflict
 * policy; in a dry run, read instead of write and say what would happen. Answers the API server
 * gives about the object (4xx) are the object's outcome; answers about the server (no connection,
 * 429, 5xx) are retried with backoff and, if they persist, thrown as {@link RetriableFailure}: the
 * restore as a whole is worth trying again later, not this object's failure.
 */
final class TargetWrites {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ATTEMPTS = 6;
  private static final long FIRST_BACKOFF_MILLIS = 100;
  private static final long MAX_BACKOFF_MILLIS = 3_000;

  private final KubernetesClient client;
  private final KubernetesSerialization serialization;
  private final ConflictPolicy policy;
  private final boolean dryRun;

  TargetWrites(KubernetesClient client, ConflictPolicy policy, boolean dryRun) {
    this.client = client;
    this.serialization = client.getKubernetesSerialization();
    this.policy = policy;
    this.dryRun = dryRun;
  }

  record Result(Action action, String reason) {}

  Result write(TargetApi.Kind kind, String namespace, String name, ObjectNode body) {
    return withRetries(kind.apiVersion() + " " + kind.kind() + " " + describe(namespace, name), () -> {
      try {
        return dryRun ? plan(kind, namespace, name, body) : create(kind, namespace, name, body);
      } catch (KubernetesClientException e) {
        if (transient_(e)) {
          throw e;
        }
        return new Result(Action.FAIL, reason(e));
      }
    });
  }

  void createNamespace(Namespace namespace) {
    withRetries("Namespace " + namespace.getMetadata().getName(), () -> {
      try {
        client.namespaces().resource(namespace).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
      }
      return null;
    });
  }

  /**
   * Creates an object an inert restore puts in a namespace before anything else (one that exists is
   * kept). A refusal is not one object's failure: nothing may be written into a namespace that is
   * not guarded, so it ends the restore.
   */
  void createGuard(io.fabric8.kubernetes.api.model.HasMetadata guard) {
    String what = guard.getKind() + " " + guard.getMetadata().getNamespace() + "/" + guard.getMetadata().getName();
    withRetries(what, () -> {
      try {
        client.resource(guard).create();
      } catch (KubernetesClientException e) {
        if (transient_(e)) {
          throw e;
        }
        if (e.getCode() != 409) {
          throw new dev.lifeboat.retry.PermanentFailure("namespace " + guard.getMetadata().getNamespace()
              + " cannot be made inert, so nothing is restored into it: the target refused " + what + " (" + reason(e)
              + ")", e);
        }
      }
      return null;
    });
  }

  private Result create(TargetApi.Kind kind, String namespace, String name, ObjectNode body) {
    GenericKubernetesResource object = serialization.convertValue(body, GenericKubernetesResource.class);
    try {
      operation(kind, namespace).resource(object).create();
      return new Result(Action.CREATE, null);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
    if (policy == ConflictPolicy.SKIP) {
      return new Result(Action.SKIP, "already exists (conflict policy SKIP)");
    }
    Resource<GenericKubernetesResource> existing = operation(kind, namespace).withName(name);
    GenericKubernetesResource current = existing.get();
    if (current == null) { // deleted since the 409: create it after all
      operation(kind, namespace).resource(object).create();
      return new Result(Action.CREATE, null);
    }
    if (unchanged(current, body)) {
      return new Result(Action.UNCHANGED, null);
    }
    existing.patch(PatchContext.of(PatchType.JSON_MERGE), body.toString());
    return new Result(Action.UPDATE, null);
  }

  /** What {@link #create} would do, found by reading. */
  private Result plan(TargetApi.Kind kind, String namespace, String name, ObjectNode body) {
    GenericKubernetesResource current = operation(kind, namespace).withName(name).get();
    if (current == null) {
      return new Result(Action.CREATE, null);
    }
    if (policy == ConflictPolicy.SKIP) {
      return new Result(Action.SKIP, "already exists (conflict policy SKIP)");
    }
    return new Result(unchanged(current, body) ? Action.UNCHANGED : Action.UPDATE, null);
  }

  /** Whether merge-patching {@code body} onto {@code current} would leave it as it is. */
  private boolean unchanged(GenericKubernetesResource current, ObjectNode body) {
    JsonNode existing;
    try {
      existing = JSON.readTree(serialization.asJson(current));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return MergePatch.apply(existing, body).equals(existing);
  }

  private NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList,
      Resource<GenericKubernetesResource>> operation(TargetApi.Kind kind, String namespace) {
    MixedOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> all =
        client.genericKubernetesResources(kind.context());
    return kind.namespaced() ? all.inNamespace(namespace) : all;
  }

  private static <T> T withRetries(String what, Supplier<T> call) {
    long backoff = FIRST_BACKOFF_MILLIS;
    for (int attempt = 1; ; attempt++) {
      try {
        return call.get();
      } catch (KubernetesClientException e) {
        if (!transient_(e)) {
          throw e;
        }
        if (attempt >= ATTEMPTS) {
          throw new RetriableFailure("the target API server did not take " + what + " after " + attempt
              + " attempts: " + reason(e), e);
        }
      }
      try {
        Thread.sleep(backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1));
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        throw new RetriableFailure("interrupted while restoring " + what, interrupted);
      }
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
    }
  }

  /** No answer, throttled, or the server's own failure: worth another try. */
  static boolean transient_(KubernetesClientException e) {
    int code = e.getCode();
    return code == 0 || code == 429 || code >= 500;
  }

  static String reason(KubernetesClientException e) {
    String message = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
    return (e.getCode() > 0 ? "HTTP " + e.getCode() + ": " : "") + message;
  }

  private static String describe(String namespace, String name) {
    return namespace == null ? name : namespace + "/" + name;
  }
}
