package dev.lifeboat.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.commands.PodHooks.Hook;
import dev.lifeboat.commands.PodHooks.OnError;
import dev.lifeboat.commands.PodHooks.Phase;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The hook annotations as Velero's backup hooks read them: defaults, JSON commands, durations, refusals. */
class PodHooksTest {

  @Test
  void aCommandAloneRunsInTheFirstContainerWithThirtySecondsAndFail() {
    Hook hook = PodHooks.read(pod(Map.of("hooks.lifeboat.dev/pre.command", "[\"/bin/sh\", \"-c\", \"fsfreeze --freeze /data\"]")),
        Phase.PRE);

    assertThat(hook.container()).isEqualTo("app");
    assertThat(hook.command()).containsExactly("/bin/sh", "-c", "fsfreeze --freeze /data");
    assertThat(hook.timeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(hook.onError()).isEqualTo(OnError.FAIL);
    assertThat(PodHooks.read(pod(Map.of("hooks.lifeboat.dev/pre.command", "sync")), Phase.POST)).isNull();
  }

  @Test
  void containerTimeoutAndOnErrorAreRead() {
    Hook hook = PodHooks.read(pod(Map.of("hooks.lifeboat.dev/post.command", "sync", "hooks.lifeboat.dev/post.container",
        "sidecar", "hooks.lifeboat.dev/post.timeout", "1m30s", "hooks.lifeboat.dev/post.on-error", "Continue")), Phase.POST);

    assertThat(hook.command()).containsExactly("sync");
    assertThat(hook.container()).isEqualTo("sidecar");
    assertThat(hook.timeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(hook.onError()).isEqualTo(OnError.CONTINUE);
    assertThat(PodHooks.timeout("t", "500ms")).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void whatCannotBeReadIsAProblemNamingThePodAndTheAnnotation() {
    PodHooks.Declared declared = PodHooks.of(List.of(
        pod(Map.of("hooks.lifeboat.dev/pre.command", "[\"sync\"", "hooks.lifeboat.dev/post.command", "[1, 2]")),
        pod(Map.of("hooks.lifeboat.dev/pre.command", "sync", "hooks.lifeboat.dev/pre.timeout", "soon",
            "hooks.lifeboat.dev/post.command", "sync", "hooks.lifeboat.dev/post.on-error", "Ignore")),
        pod(Map.of("hooks.lifeboat.dev/pre.container", "app", "hooks.lifeboat.dev/post.command", "[]"))));

    assertThat(declared.hooks()).isEmpty();
    assertThat(declared.problems()).hasSize(6).allSatisfy(p -> assertThat(p).startsWith("pod shop/db-0: hooks.lifeboat.dev/"));
    assertThat(String.join("\n", declared.problems())).contains("pre.command is not a JSON array",
        "post.command must be a JSON array of strings", "pre.timeout is 'soon'", "post.on-error is 'Ignore': Fail or Continue",
        "pre.container is set but hooks.lifeboat.dev/pre.command is not", "post.command names no command");
    assertThatThrownBy(() -> PodHooks.read(pod(Map.of("hooks.lifeboat.dev/pre.command", "sync",
        "hooks.lifeboat.dev/pre.container", "nginx")), Phase.PRE)).hasMessageContaining("'nginx', which the pod does not have");
    assertThatThrownBy(() -> PodHooks.timeout("t", "2h")).hasMessageContaining("at most 1h");
  }

  @Test
  void anOutputTailKeepsTheLastBytesAndCountsThemAll() {
    OutputTail tail = new OutputTail(8);
    tail.write("0123456789\nabc\u0007".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0, 15);

    assertThat(tail.written()).isEqualTo(15);
    assertThat(tail.text()).isEqualTo("...789\nabc?");
    assertThat(tail.oneLine(5)).isEqualTo("... abc?");
  }

  private static Pod pod(Map<String, String> annotations) {
    return new PodBuilder().withNewMetadata().withName("db-0").withNamespace("shop").withAnnotations(annotations)
        .endMetadata().withNewSpec().addNewContainer().withName("app").endContainer().addNewContainer().withName("sidecar")
        .endContainer().endSpec().build();
  }
}
