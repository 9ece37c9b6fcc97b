package io.quiver.cache;

/**
 * Told about every key a {@link ChunkCache#getAll} call returned, with the size of its chunk: the
 * cache's request trace, for example to replay it in the policy simulator ({@link AccessTraceFile}
 * writes it to a file). Set with {@link ChunkCache#recordAccesses}.
 *
 * <p>Called on the requesting thread after the call's chunks are available and without the cache's
 * lock held, so it must be thread-safe and quick; an exception it throws is not caught (the {@code
 * getAll} call fails and releases its references).
 */
@FunctionalInterface
public interface AccessRecorder {
  /**
   * One request.
   *
   * @param key the key requested (a hit, a load or a wait for another caller's load)
   * @param sizeBytes the off-heap size of its chunk as the cache accounts it
   */
  void accessed(ColumnChunkKey key, long sizeBytes);
}
