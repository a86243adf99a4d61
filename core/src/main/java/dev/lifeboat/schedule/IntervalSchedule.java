package dev.lifeboat.schedule;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * When each claim under an interval policy is next due for a snapshot. A claim enters when it is
 * mounted (first due one interval later) and leaves when it is unmounted or deleted. Time is passed
 * in, so the schedule is exact under a test clock. Not thread-safe.
 */
public final class IntervalSchedule {
  private record Entry(Duration interval, Instant next) {}

  private final Map<String, Entry> entries = new HashMap<>();

  /** Keeps {@code uid} scheduled every {@code interval}; a new claim, or a new interval, starts counting now. */
  public void keep(String uid, Duration interval, Instant now) {
    Entry e = entries.get(uid);
    if (e == null || !e.interval().equals(interval)) {
      entries.put(uid, new Entry(interval, now.plus(interval)));
    }
  }

  public void drop(String uid) {
    entries.remove(uid);
  }

  public boolean contains(String uid) {
    return entries.containsKey(uid);
  }

  /**
   * The claims due at {@code now}, each moved to its next time. A claim that fell behind (the
   * watcher was busy or paused) is due once, not once per missed interval.
   */
  public List<String> due(Instant now) {
    List<String> due = new ArrayList<>();
    for (Map.Entry<String, Entry> e : entries.entrySet()) {
      Entry entry = e.getValue();
      if (!entry.next().isAfter(now)) {
        due.add(e.getKey());
        Instant next = entry.next().plus(entry.interval());
        e.setValue(new Entry(entry.interval(), next.isAfter(now) ? next : now.plus(entry.interval())));
      }
    }
    due.sort(null);
    return due;
  }
}
