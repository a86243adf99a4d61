package dev.lifeboat.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.ListenerNotFoundException;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The Java heap used during one measured step, two ways: the sum of the heap pools' peaks (everything
 * allocated and not yet collected, garbage included: an upper bound) and the most heap still in use
 * right after any collection during the step (what was live, plus old garbage no collection has
 * reached yet). Both include what the process held before the step ({@link #baselineMiB}).
 */
public final class HeapUse implements AutoCloseable {
  private static final Set<String> HEAP_POOLS = ManagementFactory.getMemoryPoolMXBeans().stream()
      .filter(pool -> pool.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());

  private final long baseline = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  private final AtomicLong afterCollection = new AtomicLong();
  private final NotificationListener listener = (notification, handback) -> {
    if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
      Map<String, MemoryUsage> after = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData())
          .getGcInfo().getMemoryUsageAfterGc();
      long used = after.entrySet().stream().filter(e -> HEAP_POOLS.contains(e.getKey()))
          .mapToLong(e -> e.getValue().getUsed()).sum();
      afterCollection.accumulateAndGet(used, Math::max);
    }
  };

  private HeapUse() {
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      ((NotificationEmitter) gc).addNotificationListener(listener, null, null);
    }
  }

  /** Collects, resets the pools' peaks and starts watching collections. */
  public static HeapUse start() {
    System.gc();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      pool.resetPeakUsage();
    }
    return new HeapUse();
  }

  /** Heap in use at {@link #start}, just after a full collection, in MiB: what the process held before the step. */
  public long baselineMiB() {
    return baseline >> 20;
  }

  /** Sum of the heap pools' peaks since {@link #start}, in MiB. */
  public long peakMiB() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak >> 20;
  }

  /** The most heap in use just after a collection since {@link #start}, in MiB; 0 if none ran. */
  public long afterCollectionMiB() {
    return afterCollection.get() >> 20;
  }

  /** Heap in use right after a full collection now, in MiB: what is live. */
  public static long liveMiB() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
  }

  @Override
  public void close() {
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      try {
        ((NotificationEmitter) gc).removeNotificationListener(listener);
      } catch (ListenerNotFoundException e) {
        // never added to this collector: nothing to remove
      }
    }
  }
}
