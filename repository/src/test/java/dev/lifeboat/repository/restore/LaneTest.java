package dev.lifeboat.repository.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LaneTest {
  @Test
  void eachLaneRunsItsWorkInOrderWhileLanesShareThreads() throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(3);
    try {
      int lanes = 8;
      int pieces = 2_000;
      List<List<Integer>> seen = new ArrayList<>();
      List<Lane> all = new ArrayList<>();
      for (int l = 0; l < lanes; l++) {
        seen.add(Collections.synchronizedList(new ArrayList<>()));
        all.add(new Lane(threads));
      }
      CountDownLatch done = new CountDownLatch(lanes * pieces);
      for (int i = 0; i < pieces; i++) {
        for (int l = 0; l < lanes; l++) {
          int piece = i;
          List<Integer> mine = seen.get(l);
          all.get(l).run(() -> {
            mine.add(piece);
            done.countDown();
          });
        }
      }

      assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
      for (List<Integer> lane : seen) {
        assertThat(lane).hasSize(pieces).isSorted();
      }
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void workThatThrowsDoesNotStopTheLane() throws Exception {
    ExecutorService threads = Executors.newSingleThreadExecutor();
    try {
      Lane lane = new Lane(threads);
      CountDownLatch after = new CountDownLatch(1);

      lane.run(() -> {
        throw new IllegalStateException("a failing step (test)");
      });
      lane.run(after::countDown);

      assertThat(after.await(10, TimeUnit.SECONDS)).isTrue();
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void onTheCallingThreadEachPieceRunsAtOnce() {
    List<Integer> seen = new ArrayList<>();
    Lane lane = new Lane(Runnable::run);

    lane.run(() -> seen.add(1));
    seen.add(2);
    lane.run(() -> seen.add(3));

    assertThat(seen).containsExactly(1, 2, 3);
  }
}
