package dev.lifeboat.repository;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.blob.ConditionIgnoringBlobStore;
import dev.lifeboat.repository.blob.InMemoryBlobStore;
import dev.lifeboat.repository.blob.SettledPut;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Processes creating one repository at the same time, on stores that honour a put's condition and on one that does not. */
class RepositoryCreationTest {

  @Test
  void onAStoreThatIgnoresThePutsConditionEightOpenersAtOnceStillEndUpInOneRepository() throws Exception {
    ConditionIgnoringBlobStore store = new ConditionIgnoringBlobStore("ignores-if-none-match");
    // every opener finds the store empty, then each writes its config after the one before has read its own back
    store.interleaveWritersOf(Repository.CONFIG, RepositoryOpeners.OPENERS);

    List<RepositoryOpeners.Opened> opened = RepositoryOpeners.openAtOnceAndSnapshot(
        Collections.nCopies(RepositoryOpeners.OPENERS, store));

    assertThat(store.writes()).as("every opener wrote a config of its own").isEqualTo(RepositoryOpeners.OPENERS);
    RepositoryOpeners.assertOneRepositoryReadableByAll(store, opened);
    assertThat(keys(store, Repository.CREATING)).as("no announcement left behind").isEmpty();
  }

  @Test
  void onAStoreThatHonoursThePutsConditionEightOpenersAtOnceEndUpInOneRepository() throws Exception {
    InMemoryBlobStore store = new InMemoryBlobStore("honours-if-none-match");

    List<RepositoryOpeners.Opened> opened = RepositoryOpeners.openAtOnceAndSnapshot(
        Collections.nCopies(RepositoryOpeners.OPENERS, store));

    RepositoryOpeners.assertOneRepositoryReadableByAll(store, opened);
  }

  @Test
  void anAnnouncementLeftByAProcessThatStoppedWhileCreatingIsNotWaitedFor() {
    Instant then = Instant.parse("2026-03-01T00:00:00Z");
    InMemoryBlobStore store = new InMemoryBlobStore("left-over", Clock.fixed(then, ZoneOffset.UTC));
    store.putIfAbsent(Repository.CREATING + "stopped-half-way", new byte[0]);
    Clock later = Clock.fixed(then.plus(SettledPut.ABANDONED).plusSeconds(1), ZoneOffset.UTC);

    SettledPut.Settled settled = new SettledPut(store, Repository.CREATING, later).put(Repository.CONFIG, () -> new byte[] {1});

    assertThat(settled.mine()).isTrue();
    assertThat(keys(store, Repository.CREATING)).isEmpty();
  }

  private static List<String> keys(BlobStore store, String prefix) {
    List<String> keys = new java.util.ArrayList<>();
    store.list(prefix, info -> keys.add(info.key()));
    return keys;
  }
}
