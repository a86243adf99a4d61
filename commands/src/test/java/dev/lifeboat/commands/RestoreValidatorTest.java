package dev.lifeboat.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.commands.v1.Restore;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.schemas.serde.TrustedContract;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A Restore whose fields contradict themselves is rejected before anything is looked up, with every problem named. */
class RestoreValidatorTest {
  static {
    TrustedContract.ensure();
  }

  private static List<String> problems(Restore.Builder restore) {
    return RestoreValidator.fieldProblems(restore.build());
  }

  @Test
  void aPlainRestoreOfTheLatestDataHasNoProblem() {
    assertThat(problems(Restore.newBuilder())).isEmpty();
    assertThat(problems(Restore.newBuilder().setNamespaces(List.of("shop")).setNamespaceMapping(Map.of("shop", "shop-copy"))
        .setLabelSelector("app=web,tier in (front,back),!legacy"))).isEmpty();
  }

  @Test
  void mappingsThatCannotBeCarriedOutAreNamed() {
    assertThat(problems(Restore.newBuilder().setNamespaceMapping(Map.of("shop", "shop"))))
        .containsExactly("mapping shop=shop maps a namespace onto itself");
    assertThat(problems(Restore.newBuilder().setNamespaces(List.of("blog")).setNamespaceMapping(Map.of("shop", "copy"))))
        .containsExactly("mapping shop=copy maps a namespace that is not restored (restored: [blog])");
    assertThat(problems(Restore.newBuilder().setNamespaceMapping(Map.of("a", "c", "b", "c"))))
        .containsExactly("two namespaces are mapped onto c");
    assertThat(problems(Restore.newBuilder().setNamespaceMapping(Map.of("a", "b", "b", "c"))))
        .containsExactly("namespace b is both mapped onto and mapped elsewhere");
    assertThat(problems(Restore.newBuilder().setNamespaceMapping(Map.of("a", "Not_Valid"))))
        .containsExactly("mapping a=Not_Valid names an invalid namespace");
    assertThat(problems(Restore.newBuilder().setStorageClassMapping(Map.of("gp2", "standard")))).isEmpty();
    assertThat(problems(Restore.newBuilder().setStorageClassMapping(Map.of("gp2", "Fast SSD"))))
        .containsExactly("storage class mapping gp2=Fast SSD names an invalid storage class (lower-case letters, digits, '-'"
            + " and '.', at most 253)");
  }

  @Test
  void sourcesKindsAndPathsMustFitTogether() {
    assertThat(problems(Restore.newBuilder().setSnapshotId("20260101T000000Z-abcdef").setAtTime(Instant.EPOCH)))
        .containsExactly("name a snapshot or an instant, not both");
    assertThat(problems(Restore.newBuilder().setKind(SnapshotKind.VOLUME)))
        .contains("a volume restore names its snapshot (the volume is the snapshot's), or the volume target whose newest snapshot it restores",
            "a VOLUME restore needs targetPath: where to write it");
    assertThat(problems(Restore.newBuilder().setKind(SnapshotKind.ETCD).setTargetPath("etcd.db")))
        .containsExactly("targetPath 'etcd.db' is not absolute");
    assertThat(problems(Restore.newBuilder().setKind(SnapshotKind.ETCD).setTargetPath("/restore/../etc/etcd.db")))
        .containsExactly("targetPath '/restore/../etc/etcd.db' has . or .. in it; give it as /etc/etcd.db");
    assertThat(problems(Restore.newBuilder().setTargetPath("/tmp/x")))
        .containsExactly("a resource restore goes to a cluster, not a path: targetPath is for volumes and etcd");
    assertThat(problems(Restore.newBuilder().setKind(SnapshotKind.ETCD).setTargetPath("/tmp/e.db").setKinds(List.of("Pod"))))
        .containsExactly("namespace and storage class mappings, kinds and label selectors apply to resource restores only");
    assertThat(problems(Restore.newBuilder().setLabelSelector("=web")))
        .singleElement().asString().startsWith("label selector: '=web' is not a label selector requirement");
  }

  /**
   * The selector is read with the restore engine's grammar (how selectors match, and how kinds are
   * named, is the engine's to test): what validation accepts, the engine carries out, and what the
   * engine would refuse is rejected before the command is accepted.
   */
  @Test
  void aLabelSelectorIsValidatedWithTheEnginesGrammar() {
    assertThat(problems(Restore.newBuilder().setLabelSelector("app=web,"))).singleElement().asString()
        .startsWith("label selector: '' is not a label selector requirement");
    assertThat(problems(Restore.newBuilder().setLabelSelector("app=a/b"))).singleElement().asString()
        .startsWith("label selector: 'app=a/b': 'a/b' is not a label value");
    assertThat(problems(Restore.newBuilder().setLabelSelector(" "))).containsExactly(
        "label selector: the label selector is empty (leave it out to restore every object)");
    assertThat(problems(Restore.newBuilder().setLabelSelector("app.kubernetes.io/name in (web,api),!legacy"))).isEmpty();
  }

  @Test
  void aCancelledTokenWakesWhatWaitsOnItOnceAndKeepsTheFirstReason() {
    CancellationToken token = new CancellationToken();
    int[] woken = {0};
    token.onCancel(() -> woken[0]++);
    token.cancel("first");
    token.cancel("second");
    token.onCancel(() -> woken[0]++);
    assertThat(woken[0]).isEqualTo(2);
    assertThat(token.reason()).isEqualTo("first");
    org.assertj.core.api.Assertions.assertThatThrownBy(token::throwIfCancelled)
        .isInstanceOf(CancellationToken.CancelledException.class).hasMessage("first");
  }
}
