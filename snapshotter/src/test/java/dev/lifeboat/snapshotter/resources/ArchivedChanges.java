package dev.lifeboat.snapshotter.resources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.events.v1.ChangeLogSegmentArchived;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.testing.ResourceChanges;
import dev.lifeboat.testing.TestStack;
import java.time.Duration;
import java.util.List;

/** What the change-log archiver's integration tests send it, and how they wait for what it archived. */
final class ArchivedChanges {
  static final Duration WAIT = Duration.ofSeconds(60);

  private ArchivedChanges() {}

  /** Sends the addition of config map {@code name} in namespace shop of {@code cluster}, and notes the name. */
  static void send(TestStack stack, String topic, String cluster, String name, List<String> sent) {
    ResourceChanges object = ResourceChanges.in(cluster).namespace("shop").configMap(name);
    stack.send(topic, object.key(), object.added());
    sent.add(name);
  }

  /**
   * Waits until the segments archived for {@code cluster} on lifeboat.snapshots hold at least {@code changes}
   * changes (merged segments not counted: they hold changes archived before); returns those segments' events.
   */
  static List<ChangeLogSegmentArchived> awaitArchived(TestStack stack, String cluster, long changes) {
    List<ChangeLogSegmentArchived> events = stack.read(Topics.SNAPSHOTS, ChangeLogSegmentArchived.class, WAIT,
        l -> changes(l, cluster) >= changes).stream().filter(e -> e.getCluster().equals(cluster)).toList();
    assertThat(changes(events, cluster)).isGreaterThanOrEqualTo(changes);
    return events;
  }

  private static long changes(List<ChangeLogSegmentArchived> events, String cluster) {
    return events.stream().filter(e -> e.getCluster().equals(cluster) && e.getReplaces().isEmpty()) // merges hold them again
        .mapToLong(ChangeLogSegmentArchived::getRecordCount).sum();
  }
}
