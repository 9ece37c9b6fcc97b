package io.quiver.cache;

import java.util.Map;

/**
 * A point-in-time snapshot of a {@link ChunkCache}'s per-tier metrics, for dashboards and {@code
 * /metrics}. {@link CacheStats} stays the compact summary; this adds tiers, eviction causes and
 * load latency.
 *
 * <p>Immutable value; safe to share between threads. Counters are cumulative since the cache was
 * created.
 *
 * @param memoryHits keys served from memory
 * @param memoryMisses keys not in memory (loaded from disk or the source, or joined to a load)
 * @param diskHits memory misses served from a disk file
 * @param diskMisses memory misses the disk tier could not serve (no file, or a damaged one); 0
 *     without a disk tier
 * @param memoryEntries entries cached in memory now
 * @param memoryBytes their bytes
 * @param diskEntries files in the disk tier's index now
 * @param diskBytes their bytes
 * @param memoryEvictions entries dropped from memory, by cause ({@link EvictionCause#CORRUPT} is
 *     always 0 here)
 * @param diskEvictions files deleted from the disk tier, by cause ({@link EvictionCause#EXPIRED}
 *     and {@link EvictionCause#QUOTA} are always 0 here)
 * @param demotions memory entries written to disk when evicted
 * @param demotionFailures writes to disk that failed (I/O error, or too large for every directory);
 *     the entry was dropped
 * @param promotions disk hits cached in memory (LRU: every disk hit; TinyLFU: the admitted ones)
 * @param streamedThrough keys loaded into the stream-through allocator because the cache was full,
 *     and handed to the caller uncached
 * @param loaderCalls calls of a {@link ChunkLoader} (successful or not)
 * @param loadLatencyP50Millis median latency of a loader call
 * @param loadLatencyP90Millis 90th percentile
 * @param loadLatencyP99Millis 99th percentile
 * @param loadLatencyMaxMillis the slowest loader call
 * @param loadLatencyTotalMillis the time of all loader calls together (exact, not from buckets)
 */
public record CacheMetrics(
    long memoryHits,
    long memoryMisses,
    long diskHits,
    long diskMisses,
    long memoryEntries,
    long memoryBytes,
    long diskEntries,
    long diskBytes,
    Map<EvictionCause, Long> memoryEvictions,
    Map<EvictionCause, Long> diskEvictions,
    long demotions,
    long demotionFailures,
    long promotions,
    long streamedThrough,
    long loaderCalls,
    double loadLatencyP50Millis,
    double loadLatencyP90Millis,
    double loadLatencyP99Millis,
    double loadLatencyMaxMillis,
    double loadLatencyTotalMillis) {

  /** Copies the maps. */
  public CacheMetrics {
    memoryEvictions = Map.copyOf(memoryEvictions);
    diskEvictions = Map.copyOf(diskEvictions);
  }
}
