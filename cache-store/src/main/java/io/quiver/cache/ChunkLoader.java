package io.quiver.cache;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;

/**
 * Decodes column chunks that are not in the cache. Supplied by the caller of {@link
 * ChunkCache#getAll}; typically it reads the needed column chunks of one row group in one pass.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>Allocate every buffer of the returned vectors from {@code allocator} (the cache's bounded
 *       allocator) and nothing else there that outlives the call. The cache rejects chunks whose
 *       buffers belong to another allocator.
 *   <li>On success return exactly one {@link ColumnChunk} per requested key; ownership of the
 *       chunks passes to the cache. Chunks for keys that were not requested are closed and ignored.
 *   <li>On failure, close everything allocated so far before throwing. An Arrow {@link
 *       org.apache.arrow.memory.OutOfMemoryException} from {@code allocator} means the cache is
 *       full of data held by readers; let it propagate (or keep it as a cause): the cache reports
 *       it as {@link CacheCapacityException}.
 *   <li>Do not call back into the cache: waiting inside a loader for another caller's load can
 *       deadlock with it. A call back for a key this very load is loading is detected and rejected
 *       with {@link IllegalStateException}.
 * </ul>
 *
 * <p>Thread-safety: the cache calls a loader on the calling thread of {@link ChunkCache#getAll},
 * without holding any lock; one loader instance may be called concurrently by several threads for
 * disjoint key sets.
 */
@FunctionalInterface
public interface ChunkLoader {

  /**
   * Decodes the given chunks.
   *
   * @param missing the keys to load: distinct, not empty, unmodifiable
   * @param allocator the cache's allocator; borrowed, never close it
   * @return one chunk per key; ownership passes to the caller
   * @throws IOException if reading or decoding fails
   */
  Map<ColumnChunkKey, ColumnChunk> load(List<ColumnChunkKey> missing, BufferAllocator allocator)
      throws IOException;
}
