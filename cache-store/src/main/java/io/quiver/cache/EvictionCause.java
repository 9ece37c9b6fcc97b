package io.quiver.cache;

/** Why a {@link ChunkCache} dropped an entry from a tier; see {@link CacheMetrics}. */
public enum EvictionCause {
  /** To make room: the memory capacity (an allocation needed it) or a disk directory's capacity. */
  SIZE,
  /** Older than {@link CacheOptions#expireAfterWrite()}. */
  EXPIRED,
  /** Its quota group was over its quota ({@link ChunkCache#setQuota}). */
  QUOTA,
  /** {@link ChunkCache#invalidate} or {@link ChunkCache#invalidateAll} (for example cache-free). */
  EXPLICIT,
  /** A disk file failed verification (checksum, structure, key) or could not be read. */
  CORRUPT,
  /**
   * Another version of the same file, row group and column was loaded from the source, or the
   * version check rejected it when the disk tier was re-indexed.
   */
  STALE
}
