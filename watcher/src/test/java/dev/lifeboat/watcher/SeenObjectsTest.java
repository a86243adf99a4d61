package dev.lifeboat.watcher;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SeenObjectsTest {

  @Test
  void aStateOlderThanTheOneSeenIsStaleAndANewerOneIsNot() {
    SeenObjects seen = new SeenObjects();
    seen.saw("ns/a", 20);
    assertThat(seen.isStale("ns/a", 19, "u1")).isTrue();
    assertThat(seen.isStale("ns/a", 20, "u1")).isFalse();
    assertThat(seen.isStale("ns/a", 21, "u1")).isFalse();
    assertThat(seen.isStale("ns/unknown", 1, "u1")).isFalse();
  }

  @Test
  void anObjectFoundGoneIgnoresItsOldLifeButNotANewOne() {
    SeenObjects seen = new SeenObjects();
    seen.saw("ns/a", 20);
    seen.gone("ns/a", "old-uid");
    assertThat(seen.isStale("ns/a", 25, "old-uid")).as("the old life's late events").isTrue();
    assertThat(seen.isStale("ns/a", 30, "new-uid")).as("created again").isFalse();
    assertThat(seen.contains("ns/a")).isFalse();
    assertThat(seen.size()).isZero();
  }

  @Test
  void resourceVersionsThatAreNotNumbersNeverMakeAStateStale() {
    SeenObjects seen = new SeenObjects();
    seen.saw("a", SeenObjects.version("opaque-7"));
    assertThat(SeenObjects.version("opaque-7")).isEqualTo(-1);
    assertThat(SeenObjects.version("12345")).isEqualTo(12345);
    assertThat(seen.isStale("a", SeenObjects.version("opaque-3"), "u")).isFalse();
    assertThat(seen.isStale("a", 3, "u")).isFalse();
  }

  @Test
  void aListForgetsTheObjectsItDidNotSee() {
    SeenObjects seen = new SeenObjects();
    seen.beginList();
    seen.saw("a", 1);
    seen.saw("b", 2);
    seen.endList();
    seen.beginList();
    seen.saw("b", 2);
    seen.saw("c", 3);
    assertThat(seen.endList()).isEqualTo(1);
    assertThat(seen.contains("a")).isFalse();
    assertThat(seen.contains("b")).isTrue();
    assertThat(seen.contains("c")).isTrue();
    assertThat(seen.size()).isEqualTo(2);
  }
}
