package dev.lifeboat.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.verifier.VerifierConfig;
import dev.lifeboat.events.v1.Header;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotVerified;
import dev.lifeboat.events.v1.VerificationCheck;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SamplingTest {
  private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");

  static {
    dev.lifeboat.schemas.serde.TrustedContract.ensure();
  }

  @Test
  void namespacesRotateSoEachIsProvenWithinThePeriod() {
    ProofHistory history = new ProofHistory("prod");
    List<String> all = IntStream.range(0, 10).mapToObj(i -> "ns" + i).toList();
    assertThat(history.choose(all, 3, Duration.ofDays(1), NOW)).containsExactly("ns0", "ns1", "ns2");
    history.record(proof("s1", NOW, "ns0,ns1,ns2"), false);
    assertThat(history.choose(all, 3, Duration.ofDays(1), NOW.plusSeconds(60))).containsExactly("ns3", "ns4", "ns5");
    history.record(proof("s2", NOW.plusSeconds(60), "ns3,ns4,ns5"), false);
    // a day later nothing else was proven: every namespace not proven (or first seen) since then is due at once
    assertThat(history.choose(all, 3, Duration.ofDays(1), NOW.plus(Duration.ofHours(24)).plusSeconds(30)))
        .containsExactly("ns6", "ns7", "ns8", "ns9", "ns0", "ns1", "ns2");
    // a failed verification proves nothing
    ProofHistory failed = new ProofHistory("prod");
    failed.record(SnapshotVerified.newBuilder(proof("s3", NOW, "ns9")).setPassed(false).build(), false);
    assertThat(failed.lastProven("ns9")).isEmpty();
  }

  @Test
  void theNewestProofOfATargetGivesItsRpoAndRtoAndRedeliveriesAreRecognised() {
    ProofHistory history = new ProofHistory("prod");
    history.record(proof("s1", NOW, "ns0"), true);
    history.record(proof("s0", NOW.minusSeconds(3600), "ns0"), true);
    history.record(SnapshotVerified.newBuilder(proof("x", NOW.plusSeconds(5), "ns0"))
        .setHeader(header("another-cluster", NOW)).build(), true);
    assertThat(history.newest()).containsOnlyKeys("resources/cluster");
    assertThat(history.newest().get("resources/cluster").snapshotId()).isEqualTo("s1");
    assertThat(history.newest().get("resources/cluster").restoreDuration()).isEqualTo(Duration.ofMillis(1500));
    assertThat(history.verified("s1", "offsite")).isTrue();
    assertThat(history.verified("x", "offsite")).isFalse();
    assertThat(history.verified("s1", "other-store")).isFalse();
  }

  @Test
  void aFractionOfVolumeSnapshotsIsChosenTheSameWayEveryTime() {
    VerifierConfig quarter = new VerifierConfig(true, 0.25, 3, Duration.ofDays(1), "", "", "", "lifeboat-verify",
        Path.of("/tmp"), 4);
    SamplingPolicy policy = new SamplingPolicy(quarter, new ProofHistory("prod"), Clock.fixed(NOW, ZoneOffset.UTC));
    long chosen = IntStream.range(0, 4000).filter(i -> policy.wantsVolume("20260601T000000Z-" + i)).count();
    assertThat(chosen).isBetween(850L, 1150L);
    assertThat(policy.wantsVolume("20260601T000000Z-7")).isEqualTo(policy.wantsVolume("20260601T000000Z-7"));
    SamplingPolicy none = new SamplingPolicy(VerifierConfig.defaults().withScratchDir(Path.of("/tmp")),
        new ProofHistory("prod"), Clock.systemUTC());
    assertThat(IntStream.range(0, 100).filter(i -> none.wantsVolume("s" + i)).count()).isBetween(2L, 25L);
  }

  @Test
  void scratchNamespacesAreValidNamesAndRecognisable() {
    ScratchTargets scratch = new ScratchTargets(() -> null, false, "test", "lifeboat-verify", Path.of("/tmp/x"));
    assertThat(scratch.namespace("ab12cd34", "shop")).isEqualTo("lifeboat-verify-ab12cd34-shop");
    String longName = scratch.namespace("ab12cd34", "a-very-long-namespace-name-that-goes-on-and-on-forever");
    assertThat(longName).hasSizeLessThanOrEqualTo(63).startsWith("lifeboat-verify-ab12cd34-a-very").matches("[a-z0-9-]+");
    assertThat(longName).isNotEqualTo(scratch.namespace("ab12cd34", "a-very-long-namespace-name-that-goes-on-and-on-forevermore"));
    assertThat(scratch.isScratch(longName)).isTrue();
    assertThat(scratch.isScratch("shop")).isFalse();
  }

  private static SnapshotVerified proof(String snapshotId, Instant completed, String namespaces) {
    return SnapshotVerified.newBuilder().setHeader(header("prod", completed)).setSnapshotId(snapshotId)
        .setKind(SnapshotKind.RESOURCES).setTarget("cluster").setPassed(true).setStore("offsite").setScratchTarget("x")
        .setChecks(List.of(VerificationCheck.newBuilder().setName("objects-accepted").setPassed(true)
            .setEvidence(Map.of(ProofHistory.NAMESPACES, namespaces)).build()))
        .setSnapshotCompletedAt(completed).setDurationMillis(1500).build();
  }

  private static Header header(String cluster, Instant time) {
    return Header.newBuilder().setEventId("e").setTime(time).setCluster(cluster).setSource("verifier").build();
  }
}
