/**
 * The off-heap chunk cache: decoded column chunks of row groups held as Arrow vectors in a bounded
 * {@link org.apache.arrow.memory.BufferAllocator}.
 *
 * <p>{@link io.quiver.cache.ChunkCache} is the entry point. Keys ({@link
 * io.quiver.cache.ColumnChunkKey}) are plain values: this package knows nothing about storage or
 * file formats; a {@link io.quiver.cache.ChunkLoader} supplied by the caller decodes misses.
 */
package io.quiver.cache;
