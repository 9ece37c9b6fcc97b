package io.quiver.cache;

/** A storage tier of a {@link ChunkCache}. */
public enum Tier {
  /** Off-heap memory of the cache's allocator (including files mapped from the disk tier). */
  MEMORY,
  /** Arrow IPC files in the disk tier's directories. */
  DISK
}
