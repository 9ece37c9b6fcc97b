package io.quiver.cache;

import java.util.LinkedHashSet;
import java.util.function.LongSupplier;

/**
 * {@link EvictionPolicy#TINY_LFU}: a W-TinyLFU-style order, by bytes, for eviction that is driven
 * by allocations rather than by a fixed entry count.
 *
 * <p>Three regions, each in least-recently-used order (use = last release by a reader):
 *
 * <ul>
 *   <li><b>window</b>: where new entries start; its target is 1% of the capacity, but it always
 *       keeps the newest entry, so chunks larger than 1% still get a short stay;
 *   <li><b>probation</b>: entries pushed out of the window while the main region was full; they are
 *       candidates for admission;
 *   <li><b>main</b>: admitted entries. Its target is what is left of the capacity after the
 *       eviction margin, the window and pinned bytes; while the main region is below it, candidates
 *       are admitted without a contest (a cold cache fills up as with LRU).
 * </ul>
 *
 * <p>When an allocation needs room, {@link #victim()} compares the oldest evictable candidate (from
 * probation, else the window's least recent entry, which leaves the window now) with the main
 * region's least recently used evictable entry by their {@link FrequencySketch} estimates: if the
 * candidate was requested more often it is admitted (moved to the main region) and the main entry
 * is the victim, otherwise the candidate is the victim (ties reject the candidate). So a one-off
 * scan, whose chunks are requested once, only ever replaces other candidates and leaves a
 * frequently requested working set in the main region. Without an evictable candidate the main
 * region's LRU entry is the victim.
 *
 * <p>Entries held by readers stay in their region (their bytes count) but are skipped when a victim
 * is chosen; pinned entries are not in any region. Not thread-safe: called under the cache's lock.
 */
final class TinyLfuOrder extends EvictionOrder {
  static final byte NONE = 0;
  static final byte WINDOW = 1;
  static final byte PROBATION = 2;
  static final byte MAIN = 3;

  private final long capacityBytes;
  private final long marginBytes;
  private final long windowMaxBytes;
  private final FrequencySketch sketch;
  private LongSupplier pinnedBytes = () -> 0;

  private final LinkedHashSet<CacheEntry> window = new LinkedHashSet<>();
  private final LinkedHashSet<CacheEntry> probation = new LinkedHashSet<>();
  private final LinkedHashSet<CacheEntry> main = new LinkedHashSet<>();
  private long windowBytes;
  private long mainBytes;

  TinyLfuOrder(long capacityBytes, long marginBytes) {
    this.capacityBytes = capacityBytes;
    this.marginBytes = marginBytes;
    this.windowMaxBytes = Math.max(1, capacityBytes / 100);
    // About one counter per 64 KiB of capacity, at least 1024 and at most 2^20 per row: from 2 KiB
    // to 2 MiB of heap.
    long width = Math.max(1024, Math.min(1 << 20, capacityBytes >>> 16));
    this.sketch = new FrequencySketch((int) width);
  }

  /** Tells the order where to read the bytes currently pinned (outside every region). */
  void pinnedBytes(LongSupplier pinned) {
    this.pinnedBytes = pinned;
  }

  @Override
  void add(CacheEntry entry) {
    move(entry, WINDOW);
    rebalance();
  }

  @Override
  void remove(CacheEntry entry) {
    move(entry, NONE);
    rebalance();
  }

  @Override
  void retained(CacheEntry entry) {
    // Stays in place; victim() skips it while it has readers.
  }

  @Override
  void released(CacheEntry entry) {
    // Re-inserting moves it to the most recently used end of its region.
    region(entry.region).remove(entry);
    region(entry.region).add(entry);
  }

  @Override
  void recordAccess(ColumnChunkKey key) {
    sketch.increment(key.hashCode());
  }

  /**
   * A disk hit is promoted only if it was requested more often than the main region's eviction
   * victim (or the main region has no evictable entry): the contest a window candidate faces, so a
   * one-off scan served from disk does not displace the working set. The room the mapped file took
   * was already made when it was mapped, so free space says nothing here; the frequency does.
   */
  @Override
  boolean admit(ColumnChunkKey key, long sizeBytes) {
    CacheEntry mainVictim = firstEvictable(main);
    return mainVictim == null || sketch.frequency(key.hashCode()) > frequency(mainVictim);
  }

  @Override
  CacheEntry victim() {
    CacheEntry candidate = firstEvictable(probation);
    if (candidate == null) {
      // The window keeps its newest entry even above its target; under pressure that entry leaves
      // the window now, as a candidate.
      candidate = firstEvictable(window);
    }
    CacheEntry mainVictim = firstEvictable(main);
    if (candidate != null && mainVictim != null) {
      if (frequency(candidate) > frequency(mainVictim)) {
        move(candidate, MAIN);
        return mainVictim;
      }
      return candidate;
    }
    return candidate != null ? candidate : mainVictim;
  }

  private int frequency(CacheEntry entry) {
    return sketch.frequency(entry.key.hashCode());
  }

  /** Moves window overflow to probation, and candidates into the main region while it has room. */
  private void rebalance() {
    while (windowBytes > windowMaxBytes && window.size() > 1) {
      move(window.iterator().next(), PROBATION);
    }
    long mainMax = capacityBytes - marginBytes - windowMaxBytes - pinnedBytes.getAsLong();
    while (!probation.isEmpty()) {
      CacheEntry oldest = probation.iterator().next();
      if (mainBytes + oldest.sizeBytes > mainMax) {
        break;
      }
      move(oldest, MAIN);
    }
  }

  private void move(CacheEntry entry, byte to) {
    switch (entry.region) {
      case WINDOW -> {
        window.remove(entry);
        windowBytes -= entry.sizeBytes;
      }
      case PROBATION -> {
        probation.remove(entry);
      }
      case MAIN -> {
        main.remove(entry);
        mainBytes -= entry.sizeBytes;
      }
      default -> {}
    }
    entry.region = to;
    switch (to) {
      case WINDOW -> {
        window.add(entry);
        windowBytes += entry.sizeBytes;
      }
      case PROBATION -> {
        probation.add(entry);
      }
      case MAIN -> {
        main.add(entry);
        mainBytes += entry.sizeBytes;
      }
      default -> {}
    }
  }

  private LinkedHashSet<CacheEntry> region(byte region) {
    return switch (region) {
      case WINDOW -> window;
      case PROBATION -> probation;
      case MAIN -> main;
      default -> throw new IllegalStateException("entry is in no region: " + region);
    };
  }

  private static CacheEntry firstEvictable(LinkedHashSet<CacheEntry> region) {
    for (CacheEntry entry : region) {
      if (entry.readers == 0) {
        return entry;
      }
    }
    return null;
  }
}
