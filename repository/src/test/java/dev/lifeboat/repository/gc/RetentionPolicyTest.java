package dev.lifeboat.repository.gc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.config.RetentionConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetentionPolicyTest {
  private static final Duration H = Duration.ofHours(1);

  @Test
  void keepsTheLastAndTheNewestOfEachHourDayAndMonth() {
    List<String> ids = List.of(
        "20260101T100000Z-a", "20260101T103000Z-b", // Jan 1
        "20260115T090000Z-c",                       // Jan 15
        "20260201T080000Z-d", "20260201T083000Z-e", // Feb 1, hour 8
        "20260202T120000Z-f", "20260202T121500Z-g", "20260202T130000Z-h"); // Feb 2
    Map<String, String> keep = new RetentionPolicy(new RetentionConfig(2, 2, 2, 0, 2, H, H)).decide(ids);

    assertThat(keep.get("20260202T130000Z-h")).isEqualTo("newest");
    assertThat(keep.get("20260202T121500Z-g")).isEqualTo("last 2");
    assertThat(keep.get("20260201T083000Z-e")).as("newest of Feb 1").startsWith("daily");
    assertThat(keep.get("20260115T090000Z-c")).as("newest of January").startsWith("monthly");
    assertThat(keep.get("20260202T120000Z-f")).as("older in an hour already kept").isNull();
    assertThat(keep.get("20260201T080000Z-d")).isNull();
    assertThat(keep.get("20260101T103000Z-b")).isNull();
    assertThat(keep.get("20260101T100000Z-a")).isNull();
    assertThat(keep).hasSize(ids.size());
  }

  @Test
  void whatCannotBeDatedIsKept() {
    Map<String, String> keep = new RetentionPolicy(new RetentionConfig(1, 0, 0, 0, 0, H, H))
        .decide(List.of("manual-backup", "20260101T000000Z-a", "20260102T000000Z-b"));
    assertThat(keep.get("manual-backup")).isNotNull();
    assertThat(keep.get("20260102T000000Z-b")).isEqualTo("newest");
    assertThat(keep.get("20260101T000000Z-a")).isNull();
  }
}
