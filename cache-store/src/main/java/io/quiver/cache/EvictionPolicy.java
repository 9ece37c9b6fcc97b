package io.quiver.cache;

/**
 * How a {@link ChunkCache} chooses what to evict when an allocation needs room. Whatever the
 * policy, entries held by readers or pinned are never chosen, and all accounting is by bytes.
 */
public enum EvictionPolicy {
  /** Least recently used first; recency is the moment the last reader released the entry. */
  LRU,

  /**
   * Frequency-aware admission in the style of W-TinyLFU: new entries enter a small LRU window
   * (about 1% of the capacity); an entry leaving the window joins the main region only if its
   * estimated access frequency beats that of the main region's LRU victim by more than one,
   * otherwise it is evicted itself. One-off scans therefore do not flush a frequently used working
   * set, and repeated scans of data a little larger than the cache keep hitting. The frequency
   * sketch is sized by the number of entries (see {@code TinyLfuOrder}). The server's default: it
   * wins every trace of the bench's policy simulator.
   */
  TINY_LFU
}
