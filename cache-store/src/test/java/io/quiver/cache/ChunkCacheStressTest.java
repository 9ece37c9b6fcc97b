package io.quiver.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VarCharVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ChunkCacheStressTest {
  private static final int THREADS = 8;
  private static final int OPS_PER_THREAD = 3000;
  private static final int ROWS = 256;
  private static final int SLICE_ROWS = 100;
  private static final int CAPACITY_CHUNKS = 48;
  private static final int KEY_SPACE = 5 * CAPACITY_CHUNKS;

  @Test
  @Timeout(60)
  void concurrentMixedWorkloadStaysWithinCapacityAndLeaksNothing() throws Exception {
    stress(EvictionPolicy.LRU);
  }

  @Test
  @Timeout(60)
  void concurrentMixedWorkloadWithTinyLfuStaysWithinCapacityAndLeaksNothing() throws Exception {
    stress(EvictionPolicy.TINY_LFU);
  }

  private static void stress(EvictionPolicy policy) throws Exception {
    TestChunks.RecordingLoader loader = new TestChunks.RecordingLoader(ROWS, SLICE_ROWS);
    AtomicLong keysRequested = new AtomicLong();
    AtomicLong maxSampled = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try (RootAllocator root = new RootAllocator(256 << 20)) {
      // VarChar chunks may be bigger than BigInt ones: size the capacity by the larger.
      long chunk =
          Math.max(
              TestChunks.chunkSize(root, TestChunks.key(0), ROWS, SLICE_ROWS),
              TestChunks.chunkSize(root, TestChunks.textKey(0), ROWS, SLICE_ROWS));
      long capacity = CAPACITY_CHUNKS * chunk;
      // A margin of one chunk per thread (more than any single buffer a loader allocates) keeps
      // concurrent allocations from colliding at the limit, so Arrow refuses no attempt and its
      // peak statistic is exact.
      long margin = THREADS * chunk;
      CacheOptions options =
          CacheOptions.of(capacity).withEvictionMargin(margin).withEvictionPolicy(policy);
      try (ChunkCache cache = new ChunkCache(root, options)) {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          long seed = 0x5EED + t;
          workers.add(
              pool.submit(
                  () -> {
                    start.await();
                    run(cache, loader, new SplittableRandom(seed), keysRequested, maxSampled);
                    return null;
                  }));
        }
        long began = System.nanoTime();
        start.countDown();
        for (Future<?> worker : workers) {
          worker.get(50, TimeUnit.SECONDS);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);

        CacheStats stats = cache.stats();
        long peak = cache.allocator().getPeakMemoryAllocation();
        System.out.printf(
            "stress %s: %d ops in %d ms, %s, peak %d of %d, loader calls %d%n",
            policy, THREADS * OPS_PER_THREAD, millis, stats, peak, capacity, loader.calls.size());
        assertTrue(peak <= capacity, "peak " + peak + " > capacity " + capacity);
        assertTrue(maxSampled.get() <= capacity, "sampled " + maxSampled + " > " + capacity);
        assertTrue(stats.evictions() > 0);
        assertTrue(stats.bytes() <= capacity - margin);
        assertEquals(0, stats.loadFailures());
        // Only invalidation may leave memory that no entry accounts for, and all refs are closed.
        assertEquals(stats.bytes(), cache.allocator().getAllocatedMemory());
        // Each getAll/getIfPresent key is counted exactly once, as a hit or a miss.
        assertEquals(keysRequested.get(), stats.hits() + stats.misses());
      }
      assertEquals(0, root.getAllocatedMemory());
    } finally {
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }
  }

  private static void run(
      ChunkCache cache,
      ChunkLoader loader,
      SplittableRandom random,
      AtomicLong keysRequested,
      AtomicLong maxSampled)
      throws Exception {
    for (int op = 0; op < OPS_PER_THREAD; op++) {
      int dice = random.nextInt(100);
      if (dice < 2) {
        cache.invalidate(randomKey(random));
        continue;
      }
      if (dice < 3) {
        String file = randomKey(random).file();
        cache.invalidateAll(k -> k.file().equals(file));
        continue;
      }
      if (dice < 13) {
        ColumnChunkKey key = randomKey(random);
        keysRequested.incrementAndGet();
        try (CachedChunk ref = cache.getIfPresent(key)) {
          if (ref != null) {
            check(key, ref.chunk(), random);
          }
        }
        continue;
      }
      // Mostly the columns of one row group together, as a scan would ask.
      int base = random.nextInt(KEY_SPACE / 2);
      List<ColumnChunkKey> keys = new ArrayList<>();
      for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
        keys.add(i % 2 == 0 ? TestChunks.key(base + i / 2) : TestChunks.textKey(base + i / 2));
      }
      keysRequested.addAndGet(keys.size());
      Map<ColumnChunkKey, CachedChunk> refs = cache.getAll(keys, loader);
      try {
        assertEquals(keys, List.copyOf(refs.keySet()));
        for (CachedChunk ref : refs.values()) {
          check(ref.key(), ref.chunk(), random);
        }
        maxSampled.accumulateAndGet(cache.allocator().getAllocatedMemory(), Math::max);
      } finally {
        TestChunks.closeAll(refs);
      }
    }
  }

  private static ColumnChunkKey randomKey(SplittableRandom random) {
    int i = random.nextInt(KEY_SPACE / 2);
    return random.nextBoolean() ? TestChunks.key(i) : TestChunks.textKey(i);
  }

  /** Checks the row count, and every row one time in eight (cheap) or a few random rows. */
  private static void check(ColumnChunkKey key, ColumnChunk chunk, SplittableRandom random) {
    if (random.nextInt(8) == 0) {
      TestChunks.verify(key, chunk, ROWS);
      return;
    }
    assertEquals(ROWS, chunk.rowCount());
    for (int probe = 0; probe < 4; probe++) {
      int row = random.nextInt(ROWS);
      FieldVector slice = chunk.slices().get(row / SLICE_ROWS);
      int index = row % SLICE_ROWS;
      if (slice instanceof BigIntVector longs) {
        assertEquals(TestChunks.value(key, row), longs.get(index));
      } else {
        VarCharVector strings = (VarCharVector) slice;
        assertEquals(
            TestChunks.text(key, row), new String(strings.get(index), StandardCharsets.UTF_8));
      }
    }
  }
}
