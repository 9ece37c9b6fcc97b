package io.quiver.cache;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A reader's reference to a cached {@link ColumnChunk}, returned by {@link ChunkCache#getAll} and
 * {@link ChunkCache#getIfPresent}.
 *
 * <p>Ownership: the holder owns this reference (not the chunk) and must close it when done with the
 * data, on every path (completion, error, cancellation). While any reference is open the chunk's
 * memory is never freed, even if the cache evicts or invalidates the entry: those only drop the
 * cache's own reference. When the last reference (the cache's and every reader's) goes, the chunk
 * is closed. Never close {@link #chunk()} itself, and do not keep buffers of its vectors beyond
 * {@link #close()}.
 *
 * <p>Thread-safety: safe to read from several threads while open. {@link #close()} is idempotent:
 * the first call releases the reference, later calls do nothing.
 */
public final class CachedChunk implements AutoCloseable {
  private final ChunkCache cache;
  private final CacheEntry entry;
  private final ColumnChunk chunk;
  private final AtomicBoolean closed = new AtomicBoolean();

  CachedChunk(ChunkCache cache, CacheEntry entry, ColumnChunk chunk) {
    this.cache = cache;
    this.entry = entry;
    this.chunk = chunk;
  }

  /** The key this chunk was cached under. */
  public ColumnChunkKey key() {
    return entry.key;
  }

  /**
   * The data, valid until this reference is closed. Borrowed: do not close it.
   *
   * @throws IllegalStateException if this reference was closed
   */
  public ColumnChunk chunk() {
    if (closed.get()) {
      throw new IllegalStateException("reference to " + entry.key + " is closed");
    }
    return chunk;
  }

  /**
   * Whether the cache holds no reference to this chunk now, so it is freed when the last caller
   * holding it closes its reference. True when it was never cached (the cache was full of pinned or
   * in-use data and it was loaded into the stream-through allocator; it was read from the disk tier
   * and TinyLFU did not admit it; its key was invalidated while it loaded) and when it was evicted
   * or invalidated since.
   */
  public boolean uncached() {
    return cache.isUncached(entry);
  }

  /** Releases this reference; later calls do nothing. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      cache.release(entry);
    }
  }

  @Override
  public String toString() {
    return "CachedChunk[" + entry.key + (closed.get() ? ", closed]" : "]");
  }
}
