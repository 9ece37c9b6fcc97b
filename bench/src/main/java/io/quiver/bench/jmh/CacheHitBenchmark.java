package io.quiver.bench.jmh;

import io.quiver.cache.CacheOptions;
import io.quiver.cache.CachedChunk;
import io.quiver.cache.ChunkCache;
import io.quiver.cache.ChunkLoader;
import io.quiver.cache.ColumnChunk;
import io.quiver.cache.ColumnChunkKey;
import io.quiver.cache.EvictionPolicy;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.RootAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The cost of a cache hit: taking a reference to a chunk that is in memory and closing it again,
 * through {@link ChunkCache#getIfPresent} and {@link ChunkCache#getAll} (one key, and the 16
 * columns of a row group in one call as the server's DoGet asks for them).
 *
 * <p>The cache holds {@value #ROW_GROUPS} row groups of {@value #COLUMNS} small chunks and has room
 * for all of them, so every request is a hit; the loader refuses to run during measurement, and
 * tear-down checks that the cache counted no miss. Requests rotate over all keys, so the numbers
 * include the hash lookups of a cache bigger than one key (but not cache-line misses of a large
 * index: the index is small).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CacheHitBenchmark {
  static final int ROW_GROUPS = 64;
  static final int COLUMNS = 16;
  private static final int ROWS = 1024;

  @Param({"LRU", "TINY_LFU"})
  public EvictionPolicy policy;

  private RootAllocator root;
  private ChunkCache cache;
  private ColumnChunkKey[] keys;
  private List<List<ColumnChunkKey>> singleKeyLists;
  private List<List<ColumnChunkKey>> rowGroups;
  long missesAfterSetup; // package-private for BenchmarksSmokeTest
  private int nextKey;
  private int nextRowGroup;

  private static final ChunkLoader REFUSING =
      (missing, allocator) -> {
        throw new IllegalStateException("benchmark expected hits only, asked to load " + missing);
      };

  /** Loads every chunk once. */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    root = BenchChunks.newRoot(1L << 30);
    cache = new ChunkCache(root, CacheOptions.of(512L << 20).withEvictionPolicy(policy));
    List<ColumnChunkKey> all = new ArrayList<>();
    rowGroups = new ArrayList<>();
    for (int g = 0; g < ROW_GROUPS; g++) {
      List<ColumnChunkKey> group = BenchChunks.rowGroupKeys("bench://hit/part-0", g, COLUMNS);
      rowGroups.add(List.copyOf(group));
      all.addAll(group);
      Map<ColumnChunkKey, CachedChunk> loaded =
          cache.getAll(
              group, (missing, allocator) -> BenchChunks.build(missing, allocator, 1, ROWS));
      loaded.values().forEach(CachedChunk::close);
    }
    keys = all.toArray(ColumnChunkKey[]::new);
    singleKeyLists = all.stream().map(List::of).toList();
    missesAfterSetup = cache.stats().misses();
  }

  /** Closes everything; Arrow throws here if a buffer leaked. */
  @TearDown(Level.Trial)
  public void tearDown() {
    long misses = cache.stats().misses() - missesAfterSetup;
    cache.close();
    root.close();
    if (misses != 0) {
      throw new IllegalStateException(misses + " misses during a hit benchmark");
    }
  }

  /** {@code getIfPresent} of one present key, then close of the reference. */
  @Benchmark
  public void getIfPresent(Blackhole bh) {
    ColumnChunkKey key = keys[nextKey++ & (keys.length - 1)];
    try (CachedChunk ref = cache.getIfPresent(key)) {
      bh.consume(ref.chunk().rowCount());
    }
  }

  /** {@code getAll} of one present key, then close of the reference. */
  @Benchmark
  public void getAllOneKey(Blackhole bh) throws IOException {
    List<ColumnChunkKey> key = singleKeyLists.get(nextKey++ & (keys.length - 1));
    Map<ColumnChunkKey, CachedChunk> refs = cache.getAll(key, REFUSING);
    for (CachedChunk ref : refs.values()) {
      bh.consume(ref.chunk().rowCount());
      ref.close();
    }
  }

  /** {@code getAll} of the 16 columns of one row group (all present), then close of each. */
  @Benchmark
  public void getAllRowGroup16(Blackhole bh) throws IOException {
    List<ColumnChunkKey> group = rowGroups.get(nextRowGroup++ & (ROW_GROUPS - 1));
    Map<ColumnChunkKey, CachedChunk> refs = cache.getAll(group, REFUSING);
    for (CachedChunk ref : refs.values()) {
      ColumnChunk chunk = ref.chunk();
      bh.consume(chunk.rowCount());
      ref.close();
    }
  }
}
