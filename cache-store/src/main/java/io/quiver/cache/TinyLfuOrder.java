package io.quiver.cache;

import java.util.LinkedHashSet;
import java.util.List;
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
 * candidate's estimate exceeds the main entry's by more than {@link #ADMISSION_MARGIN} (at least
 * two requests more) it is admitted (moved to the main region) and the main entry is the victim,
 * otherwise the candidate is the victim. So a one-off scan, whose chunks are requested once, only
 * ever replaces other candidates and leaves a frequently requested working set in the main region.
 * The margin matters for repeated scans of a table a little larger than the cache: there the
 * candidate (just requested) is always one request ahead of the main victim (to be requested next),
 * a one-count lead that without the margin admits every candidate and degrades to LRU, which misses
 * every request. Without an evictable candidate the main region's LRU entry is the victim.
 *
 * <p>The {@link FrequencySketch} is sized by entries, not bytes: it starts as if every chunk were
 * {@value #LARGEST_TYPICAL_CHUNK_BYTES} bytes (the large end of decoded column chunks, so the
 * sketch is never too wide for the cache's real entries) and grows with the number of entries in
 * the regions, to ten requests per entry between two halvings whatever the chunk size; when it is
 * reallocated, the cached entries' estimates are carried over. Sized by bytes instead, a cache of
 * multi-MiB chunks kept formerly hot keys saturated for hundreds of cache-fulls after a popularity
 * shift and trailed LRU.
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

  /** A candidate is admitted only if its estimate exceeds the main victim's by more than this. */
  static final int ADMISSION_MARGIN = 1;

  /** The size the sketch's first width assumes for every chunk: 32 MiB. */
  static final long LARGEST_TYPICAL_CHUNK_BYTES = 32L << 20;

  private final FrequencySketch sketch;
  private int entries;
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
    long expected = Math.min(1 << 20, capacityBytes / LARGEST_TYPICAL_CHUNK_BYTES);
    this.sketch = new FrequencySketch((int) expected);
  }

  /** The sketch, for tests. */
  FrequencySketch sketch() {
    return sketch;
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
      if (frequency(candidate) > frequency(mainVictim) + ADMISSION_MARGIN) {
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
    boolean grows = entry.region == NONE && to != NONE;
    if (grows) {
      entries++;
    } else if (entry.region != NONE && to == NONE) {
      entries--;
    }
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
    if (grows) {
      growSketch();
    }
  }

  /**
   * Lets the sketch follow the entry count. When it must be reallocated (its counters cannot be
   * rehashed), the estimates of the cached entries are carried over, so that a growing cache does
   * not forget how hot its own entries are and let a scan's candidates (counted once) displace
   * them; only keys that are not cached start again from zero.
   */
  private void growSketch() {
    if (entries <= sketch.capacity()) {
      sketch.ensureCapacity(entries);
      return;
    }
    int[] hashes = new int[entries];
    int[] counts = new int[entries];
    int n = 0;
    for (LinkedHashSet<CacheEntry> region : List.of(window, probation, main)) {
      for (CacheEntry cached : region) {
        hashes[n] = cached.key.hashCode();
        counts[n] = sketch.frequency(hashes[n]);
        n++;
      }
    }
    sketch.ensureCapacity(entries);
    for (int i = 0; i < n; i++) {
      sketch.restore(hashes[i], counts[i]);
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
