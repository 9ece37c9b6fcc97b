package io.quiver.cache;

import static io.quiver.cache.TestChunks.awaitCondition;
import static io.quiver.cache.TestChunks.closeAll;
import static io.quiver.cache.TestChunks.key;
import static io.quiver.cache.TestChunks.textKey;
import static io.quiver.cache.TestChunks.verify;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ChunkCacheTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int ROWS = 256;
  private static final int SLICE_ROWS = 128;

  private ExecutorService pool;

  @BeforeEach
  void startPool() {
    pool = Executors.newCachedThreadPool();
  }

  @AfterEach
  void stopPool() throws InterruptedException {
    pool.shutdownNow();
    assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
  }

  @Test
  void countsHitsAndMissesAndServesRepeatedKeysFromMemory() throws IOException {
    TestChunks.RecordingLoader loader = new TestChunks.RecordingLoader(ROWS, SLICE_ROWS);
    List<ColumnChunkKey> keys = List.of(key(1), textKey(2), key(3));
    try (RootAllocator root = new RootAllocator(64 << 20);
        ChunkCache cache = new ChunkCache(root, 1 << 20)) {
      Map<ColumnChunkKey, CachedChunk> first = cache.getAll(keys, loader);
      assertEquals(keys, List.copyOf(first.keySet()));
      assertEquals(List.of(keys), loader.calls);
      long bytes = 0;
      for (CachedChunk ref : first.values()) {
        verify(ref.key(), ref.chunk(), ROWS);
        bytes += ref.chunk().sizeBytes();
      }
      CacheStats stats = cache.stats();
      assertEquals(new CacheStats(3, bytes, 1 << 20, 0, 3, 0, 0, bytes), stats);
      assertEquals(bytes, cache.allocator().getAllocatedMemory());

      List<ColumnChunkKey> reordered = List.of(key(3), key(1), key(3), textKey(2));
      Map<ColumnChunkKey, CachedChunk> second = cache.getAll(reordered, loader);
      assertEquals(List.of(key(3), key(1), textKey(2)), List.copyOf(second.keySet()));
      assertEquals(1, loader.calls.size(), "a repeated getAll must not call the loader");
      for (CachedChunk ref : second.values()) {
        assertSame(first.get(ref.key()).chunk(), ref.chunk());
      }
      closeAll(first);
      closeAll(second);

      try (CachedChunk present = cache.getIfPresent(key(1))) {
        assertNotNull(present);
        verify(key(1), present.chunk(), ROWS);
      }
      assertNull(cache.getIfPresent(key(99)));
      assertEquals(new CacheStats(3, bytes, 1 << 20, 4, 4, 0, 0, bytes), cache.stats());
      assertTrue(cache.getAll(List.of(), loader).isEmpty());
    }
  }

  @Test
  void loadsOnlyTheMissingKeysInOneLoaderCall() throws IOException {
    TestChunks.RecordingLoader loader = new TestChunks.RecordingLoader(ROWS, SLICE_ROWS);
    try (RootAllocator root = new RootAllocator(64 << 20);
        ChunkCache cache = new ChunkCache(root, 1 << 20)) {
      closeAll(cache.getAll(List.of(key(2)), loader));
      Map<ColumnChunkKey, CachedChunk> refs = cache.getAll(List.of(key(1), key(2), key(3)), loader);
      assertEquals(List.of(List.of(key(2)), List.of(key(1), key(3))), loader.calls);
      refs.forEach((k, ref) -> verify(k, ref.chunk(), ROWS));
      closeAll(refs);
      CacheStats stats = cache.stats();
      assertEquals(1, stats.hits());
      assertEquals(3, stats.misses());
    }
  }

  @Test
  void loadingBeyondCapacityEvictsLeastRecentlyUsedAndStaysWithinCapacity() throws IOException {
    TestChunks.RecordingLoader loader = new TestChunks.RecordingLoader(ROWS, SLICE_ROWS);
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TestChunks.chunkSize(root, key(0), ROWS, SLICE_ROWS);
      long capacity = 4 * chunk;
      try (ChunkCache cache = new ChunkCache(root, capacity)) {
        for (int i = 0; i < 4; i++) {
          closeAll(cache.getAll(List.of(key(i)), loader));
        }
        assertEquals(capacity, cache.allocator().getAllocatedMemory());
        closeAll(cache.getAll(List.of(key(0)), loader)); // a hit: key 0 becomes most recent
        closeAll(cache.getAll(List.of(key(4)), loader));
        CacheStats stats = cache.stats();
        assertEquals(1, stats.evictions());
        assertEquals(4, stats.entries());
        assertEquals(capacity, stats.bytes());
        assertAbsent(cache, key(1));
        for (int i : new int[] {0, 2, 3, 4}) {
          assertPresent(cache, key(i));
        }

        for (int i = 5; i < 60; i += 2) {
          Map<ColumnChunkKey, CachedChunk> refs =
              cache.getAll(List.of(key(i), textKey(i), key(i + 1)), loader);
          assertTrue(cache.allocator().getAllocatedMemory() <= capacity);
          refs.forEach((k, ref) -> verify(k, ref.chunk(), ROWS));
          closeAll(refs);
        }
        assertTrue(cache.stats().entries() <= 4);
        assertTrue(cache.stats().evictions() > 60);
        assertTrue(
            cache.allocator().getPeakMemoryAllocation() <= capacity,
            "peak " + cache.allocator().getPeakMemoryAllocation() + " > " + capacity);
        assertEquals(cache.stats().bytes(), cache.allocator().getAllocatedMemory());
      }
    }
  }

  @Test
  void heldChunkSurvivesEvictionPressureAndIsFreedWhenTheReaderCloses() throws IOException {
    TestChunks.RecordingLoader loader = new TestChunks.RecordingLoader(ROWS, SLICE_ROWS);
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TestChunks.chunkSize(root, key(0), ROWS, SLICE_ROWS);
      try (ChunkCache cache = new ChunkCache(root, 3 * chunk)) {
        CachedChunk held = cache.getAll(List.of(key(0)), loader).get(key(0));
        for (int i = 1; i < 30; i++) {
          closeAll(cache.getAll(List.of(key(i)), loader));
          verify(key(0), held.chunk(), ROWS);
        }
        assertTrue(cache.stats().evictions() >= 27);
        assertPresent(cache, key(0));

        cache.invalidate(key(0));
        assertAbsent(cache, key(0));
        verify(key(0), held.chunk(), ROWS);
        long before = cache.allocator().getAllocatedMemory();
        held.close();
        assertEquals(before - chunk, cache.allocator().getAllocatedMemory());
        assertEquals(cache.stats().bytes(), cache.allocator().getAllocatedMemory());
      }
    }
  }

  @Test
  void whenEverythingIsHeldALoadFailsWithCapacityExceptionAndLeaksNothing() throws IOException {
    TestChunks.RecordingLoader loader = new TestChunks.RecordingLoader(ROWS, SLICE_ROWS);
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TestChunks.chunkSize(root, key(0), ROWS, SLICE_ROWS);
      // Room for three chunks and one slice: the fourth chunk's first slice fits, its second not.
      long capacity = 3 * chunk + chunk / 2;
      try (ChunkCache cache = new ChunkCache(root, capacity)) {
        Map<ColumnChunkKey, CachedChunk> held = cache.getAll(List.of(key(0), key(1)), loader);
        closeAll(cache.getAll(List.of(key(2)), loader));
        CachedChunk heldToo = cache.getIfPresent(key(2));

        CacheCapacityException e =
            assertThrows(CacheCapacityException.class, () -> cache.getAll(List.of(key(3)), loader));
        assertEquals(capacity, e.capacityBytes());
        assertEquals(3 * chunk, e.heldBytes());
        assertEquals(chunk / 2, e.requestedBytes());
        assertTrue(e.getMessage().contains(Long.toString(capacity)), e.getMessage());
        assertTrue(e.getMessage().contains(Long.toString(3 * chunk)), e.getMessage());
        assertTrue(e.getMessage().contains(Long.toString(chunk / 2)), e.getMessage());
        assertInstanceOf(OutOfMemoryException.class, e.getCause());
        assertEquals(3, loader.calls.size(), "a refused allocation is not retried");

        assertEquals(3 * chunk, cache.allocator().getAllocatedMemory(), "partial load leaked");
        CacheStats stats = cache.stats();
        assertEquals(1, stats.loadFailures());
        assertEquals(0, stats.evictions());
        assertEquals(3, stats.entries());
        assertAbsent(cache, key(3));

        heldToo.close();
        Map<ColumnChunkKey, CachedChunk> retry = cache.getAll(List.of(key(3)), loader);
        verify(key(3), retry.get(key(3)).chunk(), ROWS);
        assertAbsent(cache, key(2));
        held.forEach((k, ref) -> verify(k, ref.chunk(), ROWS));
        closeAll(retry);
        closeAll(held);
      }
    }
  }

  @Test
  void aRequestLargerThanTheCapacityEvictsNothing() throws IOException {
    TestChunks.RecordingLoader loader = new TestChunks.RecordingLoader(ROWS, SLICE_ROWS);
    try (RootAllocator root = new RootAllocator(64 << 20);
        ChunkCache cache = new ChunkCache(root, 64 << 10)) {
      closeAll(cache.getAll(List.of(key(0), key(1)), loader));
      ChunkLoader huge =
          (missing, allocator) -> {
            try (ArrowBuf buf = allocator.buffer(128 << 10)) {
              throw new IllegalStateException("unreachable: allocated " + buf.capacity());
            }
          };
      CacheCapacityException e =
          assertThrows(CacheCapacityException.class, () -> cache.getAll(List.of(key(2)), huge));
      assertEquals(128 << 10, e.requestedBytes());
      assertEquals(0, cache.stats().evictions());
      assertEquals(2, cache.stats().entries());
    }
  }

  @Test
  void allocationFailureWrappedByTheLoaderIsStillACapacityFailure() throws IOException {
    try (RootAllocator root = new RootAllocator(64 << 20);
        ChunkCache cache = new ChunkCache(root, 64 << 10)) {
      IOException[] thrown = new IOException[1];
      ChunkLoader wrapping =
          (missing, allocator) -> {
            try (ArrowBuf buf = allocator.buffer(1 << 20)) {
              throw new IllegalStateException("unreachable: allocated " + buf.capacity());
            } catch (RuntimeException oom) {
              thrown[0] = new IOException("decoding failed", oom);
              throw thrown[0];
            }
          };
      CacheCapacityException e =
          assertThrows(CacheCapacityException.class, () -> cache.getAll(List.of(key(0)), wrapping));
      assertSame(thrown[0], e.getCause());
    }
  }

  @Test
  void anAllocationFailureTheListenerDidNotRefuseIsRetriedOnlyWhileSomethingIsEvictable()
      throws IOException {
    try (RootAllocator root = new RootAllocator(64 << 20);
        ChunkCache cache = new ChunkCache(root, 1 << 20)) {
      TestChunks.RecordingLoader good = new TestChunks.RecordingLoader(ROWS, SLICE_ROWS);
      closeAll(cache.getAll(List.of(key(0)), good));
      // What a loader sees when another thread took the room the listener had just made: Arrow's
      // retry fails although the listener agreed to it.
      TestChunks.RecordingLoader lostRaceOnce =
          new TestChunks.RecordingLoader(ROWS, SLICE_ROWS) {
            @Override
            void beforeLoad(List<ColumnChunkKey> missing) {
              if (calls.size() == 1) {
                throw new OutOfMemoryException("lost the race");
              }
            }
          };
      Map<ColumnChunkKey, CachedChunk> refs = cache.getAll(List.of(key(1)), lostRaceOnce);
      verify(key(1), refs.get(key(1)).chunk(), ROWS);
      closeAll(refs);
      assertEquals(2, lostRaceOnce.calls.size());
      assertEquals(0, cache.stats().loadFailures());

      ChunkLoader alwaysLoses =
          (missing, allocator) -> {
            throw new OutOfMemoryException("lost the race");
          };
      Map<ColumnChunkKey, CachedChunk> held = cache.getAll(List.of(key(0), key(1)), good);
      int[] calls = new int[1];
      CacheCapacityException e =
          assertThrows(
              CacheCapacityException.class,
              () ->
                  cache.getAll(
                      List.of(key(2)),
                      (missing, allocator) -> {
                        calls[0]++;
                        return alwaysLoses.load(missing, allocator);
                      }));
      assertEquals(1, calls[0], "nothing is evictable, so the load is not retried");
      assertEquals(-1, e.requestedBytes());
      closeAll(held);
      assertEquals(1, cache.stats().loadFailures());
    }
  }

  @Test
  void failedAllocationListenerEvictsLeastRecentlyUsedOnlyWhenThatHelps() throws IOException {
    TestChunks.RecordingLoader loader = new TestChunks.RecordingLoader(ROWS, SLICE_ROWS);
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TestChunks.chunkSize(root, key(0), ROWS, SLICE_ROWS);
      try (ChunkCache cache = new ChunkCache(root, 4 * chunk)) {
        for (int i = 0; i < 4; i++) {
          closeAll(cache.getAll(List.of(key(i)), loader));
        }
        var listener = cache.allocator().getListener();
        assertTrue(listener.onFailedAllocation(2 * chunk, null));
        assertEquals(2, cache.stats().evictions());
        assertEquals(2 * chunk, cache.allocator().getHeadroom());
        assertAbsent(cache, key(0));
        assertAbsent(cache, key(1));

        try (CachedChunk held = cache.getIfPresent(key(2))) {
          // Headroom 2 chunks + key 3 evictable = 3 chunks: not enough for 4, so evict nothing.
          assertNotNull(held);
          assertFalse(listener.onFailedAllocation(4 * chunk, null));
          assertEquals(2, cache.stats().evictions());
          assertPresent(cache, key(3));
        }
      }
    }
  }

  @Test
  void concurrentRequestsForAMissingKeyShareOneLoad() throws Exception {
    int threads = 8;
    try (RootAllocator root = new RootAllocator(64 << 20);
        ChunkCache cache = new ChunkCache(root, 1 << 20)) {
      TestChunks.RecordingLoader loader =
          new TestChunks.RecordingLoader(ROWS, SLICE_ROWS) {
            @Override
            void beforeLoad(List<ColumnChunkKey> missing) {
              // Every caller has registered (joined the load) before it completes.
              awaitCondition("all callers", WAIT, () -> cache.stats().misses() == threads);
            }
          };
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Map<ColumnChunkKey, CachedChunk>>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  return cache.getAll(List.of(key(7)), loader);
                }));
      }
      start.countDown();
      List<Map<ColumnChunkKey, CachedChunk>> results = new ArrayList<>();
      for (Future<Map<ColumnChunkKey, CachedChunk>> f : futures) {
        results.add(f.get(10, TimeUnit.SECONDS));
      }
      assertEquals(List.of(List.of(key(7))), loader.calls);
      ColumnChunk shared = results.get(0).get(key(7)).chunk();
      for (Map<ColumnChunkKey, CachedChunk> result : results) {
        assertSame(shared, result.get(key(7)).chunk());
        verify(key(7), result.get(key(7)).chunk(), ROWS);
        closeAll(result);
      }
      CacheStats stats = cache.stats();
      assertEquals(threads, stats.misses());
      assertEquals(1, stats.entries());
      assertEquals(shared.sizeBytes(), stats.bytesLoaded());
    }
  }

  @Test
  void overlappingKeySetsLoadEachKeyOnceWithoutDeadlock() throws Exception {
    ColumnChunkKey a = key(1);
    ColumnChunkKey b = key(2);
    ColumnChunkKey c = key(3);
    CountDownLatch firstLoadStarted = new CountDownLatch(1);
    CountDownLatch secondLoadDone = new CountDownLatch(1);
    try (RootAllocator root = new RootAllocator(64 << 20);
        ChunkCache cache = new ChunkCache(root, 1 << 20)) {
      TestChunks.RecordingLoader loader =
          new TestChunks.RecordingLoader(ROWS, SLICE_ROWS) {
            @Override
            void beforeLoad(List<ColumnChunkKey> missing) throws IOException {
              if (missing.contains(a)) {
                firstLoadStarted.countDown();
                // Hold the load of a and b until the second caller has joined b and loaded c.
                await(secondLoadDone);
              }
            }
          };
      Future<Map<ColumnChunkKey, CachedChunk>> first =
          pool.submit(() -> cache.getAll(List.of(a, b), loader));
      await(firstLoadStarted);
      Future<Map<ColumnChunkKey, CachedChunk>> second =
          pool.submit(
              () -> {
                Map<ColumnChunkKey, CachedChunk> refs;
                try {
                  refs = cache.getAll(List.of(c, b), loader);
                } finally {
                  secondLoadDone.countDown();
                }
                return refs;
              });
      // The second caller loads c and then waits for b; release the first load once c is cached.
      awaitCondition("c loaded", WAIT, () -> cache.stats().entries() == 1);
      secondLoadDone.countDown();
      Map<ColumnChunkKey, CachedChunk> firstRefs = first.get(10, TimeUnit.SECONDS);
      Map<ColumnChunkKey, CachedChunk> secondRefs = second.get(10, TimeUnit.SECONDS);

      assertEquals(List.of(List.of(a, b), List.of(c)), loader.calls);
      assertEquals(List.of(a, b), List.copyOf(firstRefs.keySet()));
      assertEquals(List.of(c, b), List.copyOf(secondRefs.keySet()));
      assertSame(firstRefs.get(b).chunk(), secondRefs.get(b).chunk());
      firstRefs.forEach((k, ref) -> verify(k, ref.chunk(), ROWS));
      secondRefs.forEach((k, ref) -> verify(k, ref.chunk(), ROWS));
      closeAll(firstRefs);
      closeAll(secondRefs);
      assertEquals(3, cache.stats().entries());
    }
  }

  @Test
  void loaderFailureReachesEveryWaiterAndLeavesNoEntry() throws Exception {
    int threads = 4;
    IOException boom = new IOException("storage read failed");
    try (RootAllocator root = new RootAllocator(64 << 20);
        ChunkCache cache = new ChunkCache(root, 1 << 20)) {
      TestChunks.RecordingLoader failing =
          new TestChunks.RecordingLoader(ROWS, SLICE_ROWS) {
            @Override
            void beforeLoad(List<ColumnChunkKey> missing) throws IOException {
              awaitCondition("all callers", WAIT, () -> cache.stats().misses() == threads);
              throw boom;
            }
          };
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Map<ColumnChunkKey, CachedChunk>>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  return cache.getAll(List.of(key(5)), failing);
                }));
      }
      start.countDown();
      int direct = 0;
      for (Future<Map<ColumnChunkKey, CachedChunk>> f : futures) {
        ExecutionException e =
            assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        if (e.getCause() == boom) {
          direct++;
        } else {
          assertInstanceOf(IOException.class, e.getCause());
          assertSame(boom, e.getCause().getCause());
        }
      }
      assertEquals(1, direct, "the loading caller gets the loader's own exception");
      assertEquals(1, failing.calls.size());
      CacheStats stats = cache.stats();
      assertEquals(1, stats.loadFailures());
      assertEquals(0, stats.entries());
      assertEquals(0, cache.allocator().getAllocatedMemory());
      assertAbsent(cache, key(5));

      TestChunks.RecordingLoader good = new TestChunks.RecordingLoader(ROWS, SLICE_ROWS);
      Map<ColumnChunkKey, CachedChunk> refs = cache.getAll(List.of(key(5)), good);
      verify(key(5), refs.get(key(5)).chunk(), ROWS);
      closeAll(refs);
      assertEquals(1, good.calls.size());
    }
  }

  @Test
  void loaderThatAllocatesThenFailsLeavesNothingAndHitsAreReleased() throws IOException {
    try (RootAllocator root = new RootAllocator(64 << 20);
        ChunkCache cache = new ChunkCache(root, 1 << 20)) {
      TestChunks.RecordingLoader good = new TestChunks.RecordingLoader(ROWS, SLICE_ROWS);
      closeAll(cache.getAll(List.of(key(0)), good));
      long cached = cache.allocator().getAllocatedMemory();

      IOException corrupt = new IOException("corrupt page");
      ChunkLoader failing =
          (missing, allocator) -> {
            try (BigIntVector v = new BigIntVector("c", allocator)) {
              v.allocateNew(10_000);
              v.setValueCount(10_000);
            }
            throw corrupt;
          };
      assertSame(
          corrupt,
          assertThrows(
              IOException.class, () -> cache.getAll(List.of(key(0), key(1), key(2)), failing)));
      IllegalArgumentException bug = new IllegalArgumentException("decoder bug");
      ChunkLoader throwingUnchecked =
          (missing, allocator) -> {
            throw bug;
          };
      assertSame(
          bug,
          assertThrows(
              IllegalArgumentException.class,
              () -> cache.getAll(List.of(key(0), key(3)), throwingUnchecked)));

      assertEquals(cached, cache.allocator().getAllocatedMemory());
      CacheStats stats = cache.stats();
      assertEquals(1, stats.entries());
      assertEquals(2, stats.loadFailures());
      assertAbsent(cache, key(1));
      // The hit on key 0 taken by the failed calls was released: it can be evicted again.
      assertTrue(cache.allocator().getListener().onFailedAllocation(1 << 20, null));
      assertEquals(0, cache.stats().entries());
    }
  }

  @Test
  void loaderBreakingItsContractIsRejectedAndItsChunksClosed() throws IOException {
    try (RootAllocator root = new RootAllocator(64 << 20);
        BufferAllocator foreign = root.newChildAllocator("foreign", 0, 1 << 20);
        ChunkCache cache = new ChunkCache(root, 1 << 20)) {
      ChunkLoader missingOne =
          (missing, allocator) -> {
            Map<ColumnChunkKey, ColumnChunk> out = new LinkedHashMap<>();
            out.put(missing.get(0), TestChunks.build(missing.get(0), allocator, ROWS, SLICE_ROWS));
            return out;
          };
      assertThrows(
          IllegalStateException.class, () -> cache.getAll(List.of(key(0), key(1)), missingOne));
      assertEquals(0, cache.allocator().getAllocatedMemory());

      ChunkLoader wrongAllocator =
          (missing, allocator) ->
              Map.of(missing.get(0), TestChunks.build(missing.get(0), foreign, ROWS, SLICE_ROWS));
      assertThrows(
          IllegalStateException.class, () -> cache.getAll(List.of(key(2)), wrongAllocator));
      assertEquals(0, foreign.getAllocatedMemory());

      ChunkLoader extra =
          (missing, allocator) -> {
            Map<ColumnChunkKey, ColumnChunk> out = new LinkedHashMap<>();
            for (ColumnChunkKey k : List.of(missing.get(0), key(42))) {
              out.put(k, TestChunks.build(k, allocator, ROWS, SLICE_ROWS));
            }
            return out;
          };
      Map<ColumnChunkKey, CachedChunk> refs = cache.getAll(List.of(key(3)), extra);
      ChunkLoader extraInImmutableMap =
          (missing, allocator) ->
              Map.of(
                  missing.get(0),
                  TestChunks.build(missing.get(0), allocator, ROWS, SLICE_ROWS),
                  key(43),
                  TestChunks.build(key(43), allocator, ROWS, SLICE_ROWS));
      closeAll(cache.getAll(List.of(key(4)), extraInImmutableMap));
      cache.invalidate(key(4));
      assertEquals(Set.of(key(3)), refs.keySet());
      assertEquals(refs.get(key(3)).chunk().sizeBytes(), cache.allocator().getAllocatedMemory());
      closeAll(refs);
      assertAbsent(cache, key(42));
      assertEquals(2, cache.stats().loadFailures());
    }
  }

  @Test
  void invalidateWhileHeldKeepsTheReadersDataUntilItCloses() throws IOException {
    TestChunks.RecordingLoader loader = new TestChunks.RecordingLoader(ROWS, SLICE_ROWS);
    try (RootAllocator root = new RootAllocator(64 << 20);
        ChunkCache cache = new ChunkCache(root, 1 << 20)) {
      CachedChunk held = cache.getAll(List.of(key(0)), loader).get(key(0));
      long size = held.chunk().sizeBytes();
      cache.invalidate(key(0));
      assertAbsent(cache, key(0));
      assertEquals(new CacheStats(0, 0, 1 << 20, 0, 2, 0, 0, size), cache.stats());
      verify(key(0), held.chunk(), ROWS);
      assertEquals(size, cache.allocator().getAllocatedMemory());
      held.close();
      held.close(); // idempotent
      assertThrows(IllegalStateException.class, held::chunk);
      assertEquals(0, cache.allocator().getAllocatedMemory());

      // Keys 0..7 are row groups of one file, 8..15 of the next.
      List<ColumnChunkKey> keys = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        keys.add(key(i));
      }
      Map<ColumnChunkKey, CachedChunk> refs = cache.getAll(keys, loader);
      String file = key(0).file();
      cache.invalidateAll(k -> k.file().equals(file));
      assertEquals(4, cache.stats().entries());
      for (int i = 0; i < 12; i++) {
        verify(key(i), refs.get(key(i)).chunk(), ROWS);
      }
      closeAll(refs);
      assertEquals(4 * size, cache.allocator().getAllocatedMemory());
      for (int i = 0; i < 12; i++) {
        if (i < 8) {
          assertAbsent(cache, key(i));
        } else {
          assertPresent(cache, key(i));
        }
      }
    }
  }

  @Test
  void invalidateDuringALoadHandsTheResultToItsCallersWithoutCachingIt() throws Exception {
    CountDownLatch loading = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    try (RootAllocator root = new RootAllocator(64 << 20);
        ChunkCache cache = new ChunkCache(root, 1 << 20)) {
      TestChunks.RecordingLoader loader =
          new TestChunks.RecordingLoader(ROWS, SLICE_ROWS) {
            @Override
            void beforeLoad(List<ColumnChunkKey> missing) throws IOException {
              loading.countDown();
              await(proceed);
            }
          };
      Future<Map<ColumnChunkKey, CachedChunk>> pending =
          pool.submit(() -> cache.getAll(List.of(key(0)), loader));
      await(loading);
      cache.invalidate(key(0));
      proceed.countDown();
      Map<ColumnChunkKey, CachedChunk> refs = pending.get(10, TimeUnit.SECONDS);
      verify(key(0), refs.get(key(0)).chunk(), ROWS);
      assertEquals(0, cache.stats().entries());
      closeAll(refs);
      assertEquals(0, cache.allocator().getAllocatedMemory());
    }
  }

  @Test
  void aWaiterInterruptedWhileWaitingReleasesItsReference() throws Exception {
    CountDownLatch proceed = new CountDownLatch(1);
    try (RootAllocator root = new RootAllocator(64 << 20);
        ChunkCache cache = new ChunkCache(root, 1 << 20)) {
      TestChunks.RecordingLoader loader =
          new TestChunks.RecordingLoader(ROWS, SLICE_ROWS) {
            @Override
            void beforeLoad(List<ColumnChunkKey> missing) throws IOException {
              await(proceed);
            }
          };
      Future<Map<ColumnChunkKey, CachedChunk>> loading =
          pool.submit(() -> cache.getAll(List.of(key(0)), loader));
      awaitCondition("load started", WAIT, () -> loader.calls.size() == 1);
      AtomicReference<Thread> waiterThread = new AtomicReference<>();
      Future<Map<ColumnChunkKey, CachedChunk>> waiting =
          pool.submit(
              () -> {
                waiterThread.set(Thread.currentThread());
                return cache.getAll(List.of(key(0)), loader);
              });
      awaitCondition("waiter joined", WAIT, () -> cache.stats().misses() == 2);
      waiterThread.get().interrupt();
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> waiting.get(10, TimeUnit.SECONDS));
      assertInstanceOf(InterruptedIOException.class, e.getCause());
      proceed.countDown();
      closeAll(loading.get(10, TimeUnit.SECONDS));
      assertEquals(1, loader.calls.size());
    }
    // Closing the cache above succeeded, so no reference was left behind.
  }

  @Test
  void aLoaderCallingBackForItsOwnKeyFailsInsteadOfDeadlocking() throws IOException {
    try (RootAllocator root = new RootAllocator(64 << 20);
        ChunkCache cache = new ChunkCache(root, 1 << 20)) {
      ChunkLoader reentrant =
          new ChunkLoader() {
            @Override
            public Map<ColumnChunkKey, ColumnChunk> load(
                List<ColumnChunkKey> missing, BufferAllocator allocator) throws IOException {
              return Map.of(
                  missing.get(0), cache.getAll(missing, this).get(missing.get(0)).chunk());
            }
          };
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> cache.getAll(List.of(key(0)), reentrant));
      assertTrue(e.getMessage().contains("loading itself"), e.getMessage());
      assertEquals(0, cache.stats().entries());
      assertEquals(1, cache.stats().loadFailures());
    }
  }

  @Test
  void closeFailsLoudlyWhileReadersHoldReferences() throws IOException {
    TestChunks.RecordingLoader loader = new TestChunks.RecordingLoader(ROWS, SLICE_ROWS);
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      ChunkCache cache = new ChunkCache(root, 1 << 20);
      Map<ColumnChunkKey, CachedChunk> refs = cache.getAll(List.of(key(0), key(1)), loader);
      IllegalStateException e = assertThrows(IllegalStateException.class, cache::close);
      assertTrue(e.getMessage().contains("2 reference(s)"), e.getMessage());
      refs.forEach((k, ref) -> verify(k, ref.chunk(), ROWS));
      closeAll(refs);
      cache.close();
      cache.close();
      assertEquals(0, root.getAllocatedMemory());
      assertThrows(IllegalStateException.class, () -> cache.getAll(List.of(key(0)), loader));
      assertThrows(IllegalStateException.class, () -> cache.getIfPresent(key(0)));
      assertEquals(0, cache.stats().entries());
    }
  }

  private static void assertPresent(ChunkCache cache, ColumnChunkKey key) {
    try (CachedChunk ref = cache.getIfPresent(key)) {
      assertNotNull(ref, key + " should be cached");
      verify(key, ref.chunk(), ROWS);
    }
  }

  private static void assertAbsent(ChunkCache cache, ColumnChunkKey key) {
    try (CachedChunk ref = cache.getIfPresent(key)) {
      assertNull(ref, key + " should not be cached");
    }
  }

  private static void await(CountDownLatch latch) throws IOException {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new IOException("test latch timed out");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted");
    }
  }
}
