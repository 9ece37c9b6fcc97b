package io.quiver.cache;

/**
 * A point-in-time snapshot of a {@link ChunkCache}'s counters.
 *
 * <p>Immutable value; safe to share between threads. Counters are cumulative since the cache was
 * created.
 *
 * @param entries chunks the cache currently holds a reference to
 * @param bytes bytes of those chunks (their {@link ColumnChunk#sizeBytes()}); chunks that were
 *     evicted or invalidated but are still held by readers, and loads in progress, are not counted
 *     here although the cache's allocator still accounts for them
 * @param capacityBytes the configured capacity: the limit of the cache's allocator
 * @param hits keys served from memory by {@link ChunkCache#getAll} or {@link
 *     ChunkCache#getIfPresent}
 * @param misses keys that were not in memory: loaded by the caller, joined to another caller's load
 *     in progress, or absent on {@link ChunkCache#getIfPresent}
 * @param evictions entries dropped by the eviction policy to make room for an allocation (expired
 *     entries are counted as {@code expirations} instead)
 * @param loadFailures loader calls that failed (one per call, whatever the number of keys)
 * @param bytesLoaded total {@link ColumnChunk#sizeBytes()} of successfully loaded chunks
 * @param pinnedEntries cached entries that a live pin holds now (part of {@code entries})
 * @param pinnedBytes bytes of those entries (part of {@code bytes})
 * @param expirations entries dropped because they were older than the cache's expire-after-write
 */
public record CacheStats(
    long entries,
    long bytes,
    long capacityBytes,
    long hits,
    long misses,
    long evictions,
    long loadFailures,
    long bytesLoaded,
    long pinnedEntries,
    long pinnedBytes,
    long expirations) {

  /** Counters of a cache without pins or expirations. */
  public CacheStats(
      long entries,
      long bytes,
      long capacityBytes,
      long hits,
      long misses,
      long evictions,
      long loadFailures,
      long bytesLoaded) {
    this(
        entries, bytes, capacityBytes, hits, misses, evictions, loadFailures, bytesLoaded, 0, 0, 0);
  }
}
