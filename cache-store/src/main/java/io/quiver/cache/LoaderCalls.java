package io.quiver.cache;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calling a {@link ChunkLoader} and handling what it returns or throws: timing the call, checking
 * the result against the loader's contract, closing chunks, and classifying failures. Shared by the
 * cache's loads into its own allocator ({@link ChunkCache}) and into the stream-through allocator
 * ({@link TierCoordinator}).
 *
 * <p>Ownership: borrows everything it is given; chunks it closes are ones the caller hands over for
 * closing (or that a loader returned without being asked for them).
 *
 * <p>Thread-safety: stateless static methods; call them without the cache's lock (they run the
 * loader and close chunks).
 */
final class LoaderCalls {
  // Logs under ChunkCache's name, as before this code left ChunkCache.
  private static final Logger LOG = LoggerFactory.getLogger(ChunkCache.class);

  private LoaderCalls() {}

  /** Calls the loader into {@code into} and records its latency in {@code counters}. */
  static Map<ColumnChunkKey, ColumnChunk> timedLoad(
      ChunkLoader loader,
      List<ColumnChunkKey> missing,
      BufferAllocator into,
      CacheCounters counters)
      throws IOException {
    long start = System.nanoTime();
    try {
      return loader.load(missing, into);
    } finally {
      counters.recordLoad(start);
    }
  }

  /**
   * Checks the loader's result and returns the requested chunks; closes chunks for keys that were
   * not requested. On a broken contract throws, leaving the caller to close what was returned.
   */
  static Map<ColumnChunkKey, ColumnChunk> checkLoaded(
      List<ColumnChunkKey> missing,
      Map<ColumnChunkKey, ColumnChunk> result,
      BufferAllocator expected) {
    if (result == null) {
      throw new IllegalStateException("loader returned null for " + missing);
    }
    Map<ColumnChunkKey, ColumnChunk> wanted = new HashMap<>(missing.size() * 2);
    Set<ColumnChunk> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (ColumnChunkKey key : missing) {
      ColumnChunk chunk = result.get(key);
      if (chunk == null) {
        throw new IllegalStateException("loader returned no chunk for " + key);
      }
      if (!seen.add(chunk)) {
        throw new IllegalStateException("loader returned the same chunk for several keys: " + key);
      }
      if (!chunk.isAllocatedFrom(expected)) {
        throw new IllegalStateException(
            "loader returned a chunk for "
                + key
                + " with buffers outside the allocator it was given ("
                + expected.getName()
                + ")");
      }
      wanted.put(key, chunk);
    }
    if (result.size() > wanted.size()) {
      List<ColumnChunk> extra = new ArrayList<>();
      for (ColumnChunk chunk : result.values()) {
        if (chunk != null && !seen.contains(chunk)) {
          extra.add(chunk);
        }
      }
      LOG.warn("loader returned {} chunk(s) that were not requested; closing them", extra.size());
      closeChunks(extra);
    }
    return wanted;
  }

  static void closeChunks(List<ColumnChunk> chunks) {
    RuntimeException first = null;
    for (ColumnChunk chunk : chunks) {
      try {
        chunk.close();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  static void closeChunksQuietly(Iterable<ColumnChunk> chunks, Throwable failure) {
    for (ColumnChunk chunk : chunks) {
      if (chunk == null) {
        continue;
      }
      try {
        chunk.close();
      } catch (RuntimeException e) {
        failure.addSuppressed(e);
      }
    }
  }

  static boolean isAllocationFailure(Throwable t) {
    Throwable cause = t;
    for (int depth = 0; cause != null && depth < 32; depth++, cause = cause.getCause()) {
      if (cause instanceof OutOfMemoryException) {
        return true;
      }
    }
    return false;
  }

  static IOException rethrow(Throwable t) throws IOException {
    if (t instanceof IOException e) {
      throw e;
    }
    if (t instanceof RuntimeException e) {
      throw e;
    }
    if (t instanceof Error e) {
      throw e;
    }
    throw new IOException(t);
  }
}
