package io.quiver.cache;

import java.util.LinkedHashSet;

/**
 * The order in which a {@link ChunkCache} evicts: one implementation per {@link EvictionPolicy}.
 *
 * <h2>Eviction order</h2>
 *
 * An entry's recency is the time its last reader released it (or it was loaded): an entry in use is
 * not a candidate at all, and a hit makes it most recent once released. {@link EvictionPolicy#LRU}
 * evicts the least recent entry; {@link EvictionPolicy#TINY_LFU} adds a frequency-aware admission
 * test so that one-off scans do not flush a hot working set (see {@link TinyLfuOrder}).
 *
 * <p>The cache tells the order about every <em>managed</em> entry: one that is cached and not
 * pinned. Among those, the evictable ones are those without readers ({@code entry.readers == 0});
 * {@link #victim()} returns only such an entry. Pinned entries are removed from the order while
 * pinned, so the order never sees them. Sizes are {@code entry.sizeBytes}.
 *
 * <p>Not thread-safe: every method is called under the cache's lock; the cache's field holding the
 * order is {@code @GuardedBy("lock")}.
 */
abstract class EvictionOrder {

  static EvictionOrder create(EvictionPolicy policy, long capacityBytes, long marginBytes) {
    return switch (policy) {
      case LRU -> new Lru();
      case TINY_LFU -> new TinyLfuOrder(capacityBytes, marginBytes);
    };
  }

  /** The entry became managed (loaded, or unpinned); it may have readers. */
  abstract void add(CacheEntry entry);

  /** The entry stopped being managed (uncached or pinned). */
  abstract void remove(CacheEntry entry);

  /** A managed entry got its first reader. */
  abstract void retained(CacheEntry entry);

  /** A managed entry lost its last reader: the moment that counts as its use. */
  abstract void released(CacheEntry entry);

  /** A key was requested (hit or miss). */
  void recordAccess(ColumnChunkKey key) {}

  /**
   * Whether a chunk read from the disk tier should be cached in memory (promoted) rather than only
   * handed to its callers. LRU promotes every disk hit.
   */
  boolean admit(ColumnChunkKey key, long sizeBytes) {
    return true;
  }

  /**
   * The next entry to evict, or null if no managed entry is evictable. The caller evicts it (and
   * calls {@link #remove}) before asking again.
   */
  abstract CacheEntry victim();

  /** Least recently used first, over the evictable entries only. */
  static final class Lru extends EvictionOrder {
    private final LinkedHashSet<CacheEntry> evictable = new LinkedHashSet<>();

    @Override
    void add(CacheEntry entry) {
      if (entry.readers == 0) {
        evictable.add(entry);
      }
    }

    @Override
    void remove(CacheEntry entry) {
      evictable.remove(entry);
    }

    @Override
    void retained(CacheEntry entry) {
      evictable.remove(entry);
    }

    @Override
    void released(CacheEntry entry) {
      evictable.add(entry);
    }

    @Override
    CacheEntry victim() {
      return evictable.isEmpty() ? null : evictable.iterator().next();
    }
  }
}
