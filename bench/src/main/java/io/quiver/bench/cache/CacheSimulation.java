package io.quiver.bench.cache;

import io.quiver.cache.CacheOptions;
import io.quiver.cache.CacheStats;
import io.quiver.cache.CachedChunk;
import io.quiver.cache.ChunkCache;
import io.quiver.cache.ChunkLoader;
import io.quiver.cache.ColumnChunk;
import io.quiver.cache.ColumnChunkKey;
import io.quiver.cache.EvictionPolicy;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVectorHelper;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.ipc.message.ArrowFieldNode;

/**
 * Replays a {@link Trace} against a real {@link ChunkCache}: each request is one {@code getAll} of
 * one key, whose chunk (on a miss) is a single {@link BigIntVector} allocated in the cache's
 * allocator, so eviction is driven by Arrow's allocation listener exactly as in the server. The
 * reference is closed before the next request.
 *
 * <p>Chunk sizes: an unsized trace gives every chunk {@code chunkRows} rows; a {@linkplain
 * Trace#sized() sized} trace gives each key its own size (a few KiB to tens of MiB for realistic
 * traces). Sized chunks are not zeroed (only the first value and the validity bitmap are written),
 * so the untouched pages of multi-MiB buffers cost address space, not memory or time. The capacity
 * is {@code capacityChunks} chunks: of {@code chunkRows} rows, or of the mean size of the sized
 * trace's distinct keys; with sized traces a chunk larger than the cache streams through uncached,
 * as in the server.
 *
 * <p>Requests are replayed on the calling thread, so every miss is a load by this caller: hits are
 * the requests whose load was not called. The run cross-checks that against the cache's own {@link
 * CacheStats} and checks, on every request, that the chunk returned is the key's (its first value
 * is the key id).
 *
 * <p>Ownership: the simulation creates its cache under the given allocator and closes it before
 * returning; the parent is borrowed. Thread-safety: a simulation object holds only configuration;
 * {@link #run} may be called from several threads with different parents.
 */
public final class CacheSimulation {
  private final int capacityChunks;
  private final int chunkRows;

  /**
   * Configures a simulation.
   *
   * @param capacityChunks the cache capacity in chunks: the capacity in bytes is this times the
   *     measured size of one chunk
   * @param chunkRows rows of the one vector of each chunk; 8000 rows make one 64 KiB buffer
   */
  public CacheSimulation(int capacityChunks, int chunkRows) {
    if (capacityChunks <= 0 || chunkRows <= 0) {
      throw new IllegalArgumentException(
          "capacityChunks and chunkRows must be > 0: " + capacityChunks + ", " + chunkRows);
    }
    this.capacityChunks = capacityChunks;
    this.chunkRows = chunkRows;
  }

  /** The capacity in chunks. */
  public int capacityChunks() {
    return capacityChunks;
  }

  /** The rows of each chunk. */
  public int chunkRows() {
    return chunkRows;
  }

  /**
   * The off-heap size of one chunk as the cache accounts it (Arrow rounds each allocation to a
   * power of two), measured by building one under {@code parent}.
   */
  public long chunkBytes(BufferAllocator parent) {
    try (BufferAllocator scratch = parent.newChildAllocator("sim-measure", 0, Long.MAX_VALUE);
        ColumnChunk chunk = build(0, scratch)) {
      return chunk.sizeBytes();
    }
  }

  /**
   * The cache capacity in bytes for {@code trace}: {@code capacityChunks} chunks of {@link
   * #chunkBytes} for an unsized trace, of the mean size of its distinct keys for a sized one.
   */
  public long capacityBytes(Trace trace, BufferAllocator parent) {
    if (!trace.sized()) {
      return capacityChunks * chunkBytes(parent);
    }
    return Math.max(
        1, Math.round(capacityChunks * (trace.distinctBytes() / (double) trace.distinctKeys())));
  }

  /**
   * The outcome of replaying one trace under one policy. {@code loads} counts the requests that
   * were not hits (each needed at least one loader call); {@code requestBytes} and {@code hitBytes}
   * are the trace's chunk sizes (the uniform chunk's measured size for an unsized trace) summed
   * over all requests and over the hits.
   */
  public record PolicyRun(
      EvictionPolicy policy,
      long requests,
      long hits,
      long requestBytes,
      long hitBytes,
      long loads,
      long cacheHits,
      long cacheMisses,
      long evictions,
      long capacityBytes,
      long peakBytes,
      double millis,
      double cpuMillis) {
    /** Hits over requests. */
    public double hitRatio() {
      return requests == 0 ? 0 : hits / (double) requests;
    }

    /** Bytes of the hits over bytes requested: the share of the data served from the cache. */
    public double byteHitRatio() {
      return requestBytes == 0 ? 0 : hitBytes / (double) requestBytes;
    }
  }

  /**
   * Replays {@code trace} against a fresh cache with {@code policy}.
   *
   * @param parent the allocator to create the cache under; borrowed; needs room for the capacity
   *     plus one chunk
   * @throws IllegalStateException if a chunk holds another key's data or the cache's counters
   *     disagree with the requests made (the message names the trace and policy)
   */
  public PolicyRun run(Trace trace, EvictionPolicy policy, BufferAllocator parent) {
    Objects.requireNonNull(trace, "trace");
    Objects.requireNonNull(policy, "policy");
    long capacityBytes = capacityBytes(trace, parent);
    long uniformBytes = trace.sized() ? 0 : chunkBytes(parent);
    ColumnChunkKey[] keys = new ColumnChunkKey[trace.universe()];
    long[] loads = new long[1];
    ChunkLoader loader =
        (missing, allocator) -> {
          if (missing.size() != 1) {
            throw new IllegalStateException("the simulator asks for one key at a time: " + missing);
          }
          loads[0]++;
          ColumnChunkKey key = missing.get(0);
          int id = idOf(key);
          return Map.of(
              key,
              trace.sized() ? buildSized(id, trace.sizeOf(id), allocator) : build(id, allocator));
        };
    long hits = 0;
    long requestBytes = 0;
    long hitBytes = 0;
    long misses = 0;
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long started = System.nanoTime();
    long startedCpu = threads.getCurrentThreadCpuTime();
    CacheOptions options = CacheOptions.of(capacityBytes).withEvictionPolicy(policy);
    if (trace.sized()) {
      // As in the server: a chunk larger than the whole cache is handed to its caller uncached
      // (a miss) instead of failing the request. Arrow rounds it up to a power of two.
      long largest = 0;
      for (int i = 0; i < trace.length(); i++) {
        largest = Math.max(largest, trace.sizeOf(trace.keyAt(i)));
      }
      options = options.withStreamThrough(2 * largest + (1 << 20));
    }
    try (ChunkCache cache = new ChunkCache(parent, options)) {
      for (int i = 0; i < trace.length(); i++) {
        int id = trace.keyAt(i);
        ColumnChunkKey key = keys[id];
        if (key == null) {
          key = keyOf(trace.name(), id);
          keys[id] = key;
        }
        long loadsBefore = loads[0];
        Map<ColumnChunkKey, CachedChunk> refs;
        try {
          refs = cache.getAll(List.of(key), loader);
        } catch (IOException e) {
          // The loader does no I/O; anything else is a cache failure worth seeing as is.
          throw new IllegalStateException("request " + i + " of " + trace.name() + " failed", e);
        }
        try (CachedChunk ref = refs.get(key)) {
          BigIntVector vector = (BigIntVector) ref.chunk().slices().get(0);
          if (vector.get(0) != id) {
            throw new IllegalStateException(
                trace.name() + " " + policy + ": chunk of key " + id + " holds " + vector.get(0));
          }
        }
        long bytes = trace.sized() ? trace.sizeOf(id) : uniformBytes;
        requestBytes += bytes;
        if (loads[0] == loadsBefore) {
          hits++;
          hitBytes += bytes;
        } else {
          // A chunk too large for the cache may be loaded twice (the second time to stream it
          // through): one miss, whatever the loader calls.
          misses++;
        }
      }
      double millis = (System.nanoTime() - started) / 1e6;
      // CPU time of this thread: on a shared machine wall time mostly measures the neighbours.
      double cpuMillis = (threads.getCurrentThreadCpuTime() - startedCpu) / 1e6;
      CacheStats stats = cache.stats();
      long requests = trace.length();
      if (stats.hits() != hits || stats.misses() != misses || hits + misses != requests) {
        throw new IllegalStateException(
            String.format(
                "%s %s: %d requests, %d hits and %d misses seen, but the cache counted %s",
                trace.name(), policy, requests, hits, misses, stats));
      }
      return new PolicyRun(
          policy,
          requests,
          hits,
          requestBytes,
          hitBytes,
          misses,
          stats.hits(),
          stats.misses(),
          stats.evictions(),
          capacityBytes,
          cache.allocator().getPeakMemoryAllocation(),
          millis,
          cpuMillis);
    }
  }

  /** The cache key of simulated key {@code id}: 64 row groups per file, one column. */
  static ColumnChunkKey keyOf(String trace, int id) {
    return new ColumnChunkKey("sim://" + trace + "/part-" + (id >>> 6), "v1", id & 63, "c");
  }

  private static int idOf(ColumnChunkKey key) {
    String file = key.file();
    int part = Integer.parseInt(file.substring(file.lastIndexOf("/part-") + 6));
    return (part << 6) | key.rowGroup();
  }

  /**
   * One vector of about {@code bytes} bytes (at least one int64 value) whose data buffer is not
   * zeroed; the first value is the key id, for checking.
   */
  private static ColumnChunk buildSized(int id, long bytes, BufferAllocator allocator) {
    int rows = (int) Math.max(1, Math.min(Integer.MAX_VALUE / 8, (bytes + 7) / 8));
    BigIntVector vector = new BigIntVector("c", allocator);
    try (ArrowBuf validity = allocator.buffer(BitVectorHelper.getValidityBufferSize(rows));
        ArrowBuf data = allocator.buffer(8L * rows)) {
      validity.setZero(0, validity.capacity());
      BitVectorHelper.setBit(validity, 0);
      data.setLong(0, id);
      // Takes its own references to both buffers; this method's are closed on the way out.
      vector.loadFieldBuffers(new ArrowFieldNode(rows, rows - 1), List.of(validity, data));
      return new ColumnChunk(List.<FieldVector>of(vector));
    } catch (RuntimeException | Error e) {
      vector.close();
      throw e;
    }
  }

  /** One vector of {@code chunkRows} rows; the first value is the key id, for checking. */
  private ColumnChunk build(int id, BufferAllocator allocator) {
    BigIntVector vector = new BigIntVector("c", allocator);
    try {
      // allocateNew zeroes the buffer; only the first value is written: the simulation measures
      // policy, not decoding.
      vector.allocateNew(chunkRows);
      vector.set(0, id);
      vector.setValueCount(chunkRows);
      return new ColumnChunk(List.<FieldVector>of(vector));
    } catch (RuntimeException | Error e) {
      vector.close();
      throw e;
    }
  }
}
