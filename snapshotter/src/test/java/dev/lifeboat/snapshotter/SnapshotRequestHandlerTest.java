package dev.lifeboat.snapshotter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.events.v1.Header;
import dev.lifeboat.events.v1.RequestReason;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.runtime.InboundRecord;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class SnapshotRequestHandlerTest {

  @Test
  void aRequestOfAnotherClusterSharingTheTopicsIsLeftToItsOwnSnapshotter() throws Exception {
    List<String> touched = new ArrayList<>();
    SnapshotRequestHandler handler = new SnapshotRequestHandler(Map.of(SnapshotKind.RESOURCES, (request, id) -> {
      touched.add(id);
      throw new AssertionError("another cluster's request was served");
    }), null, new EventFactory("east", "snapshotter", Clock.systemUTC()), null, Clock.systemUTC());
    SnapshotRequested request = SnapshotRequested.newBuilder()
        .setHeader(Header.newBuilder().setEventId("e").setTime(Instant.now()).setCluster("west").setSource("scheduler")
            .setCorrelationId("r").build())
        .setRequestId("r").setKind(SnapshotKind.RESOURCES).setTarget("cluster").setReason(RequestReason.SCHEDULE).build();
    handler.handle(new InboundRecord<>("lifeboat.snapshot-requests", 0, 7, "cluster", request, new RecordHeaders(),
        Instant.now()), (topic, key, value) -> touched.add(topic));
    assertThat(touched).as("nothing taken, nothing sent").isEmpty();
  }
}
