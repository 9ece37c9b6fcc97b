package io.quiver.cache;

import static io.quiver.cache.TestChunks.closeAll;
import static io.quiver.cache.TestChunks.key;
import static io.quiver.cache.TestChunks.verify;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Eviction policies: scan resistance of TinyLFU, and what both policies must never evict. */
@Timeout(30)
class ChunkCachePolicyTest {
  private static final int ROWS = 256;
  private static final int SLICE_ROWS = 128;
  private static final int CAPACITY_CHUNKS = 40;
  private static final int HOT = 20;

  @Test
  void tinyLfuKeepsAHotWorkingSetThroughAOneOffScan() throws IOException {
    ScanResult result = hotSetThroughScan(EvictionPolicy.TINY_LFU);
    assertTrue(result.hotCached >= HOT * 9 / 10, result + ": the scan flushed the hot set");
    assertTrue(result.hitRatio >= 0.9, result + ": hot hit ratio after the scan");
  }

  @Test
  void lruIsFlushedByTheSameScan() throws IOException {
    ScanResult result = hotSetThroughScan(EvictionPolicy.LRU);
    assertEquals(0, result.hotCached, result + ": LRU should have evicted the hot set");
    assertEquals(0.0, result.hitRatio, result.toString());
  }

  private record ScanResult(int hotCached, double hitRatio) {}

  /**
   * Reads a hot set of {@value #HOT} chunks six times, then scans five capacities' worth of cold
   * chunks once each, then reports how much of the hot set is still cached and its hit ratio.
   */
  private static ScanResult hotSetThroughScan(EvictionPolicy policy) throws IOException {
    TestChunks.RecordingLoader loader = new TestChunks.RecordingLoader(ROWS, SLICE_ROWS);
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TestChunks.chunkSize(root, key(0), ROWS, SLICE_ROWS);
      long capacity = CAPACITY_CHUNKS * chunk;
      CacheOptions options = CacheOptions.of(capacity).withEvictionPolicy(policy);
      try (ChunkCache cache = new ChunkCache(root, options)) {
        for (int round = 0; round < 6; round++) {
          for (int i = 0; i < HOT; i++) {
            closeAll(cache.getAll(List.of(key(i)), loader));
          }
        }
        assertEquals(HOT, loader.calls.size(), "the hot set fits: loaded once");
        for (int i = 0; i < 5 * CAPACITY_CHUNKS; i++) {
          closeAll(cache.getAll(List.of(key(10_000 + i)), loader));
        }
        assertTrue(cache.stats().evictions() > 0);
        assertTrue(cache.allocator().getPeakMemoryAllocation() <= capacity);
        assertEquals(cache.stats().bytes(), cache.allocator().getAllocatedMemory());

        int cached = 0;
        for (int i = 0; i < HOT; i++) {
          // getIfPresent does not load, so counting does not change what is cached.
          try (CachedChunk ref = cache.getIfPresent(key(i))) {
            if (ref != null) {
              verify(key(i), ref.chunk(), ROWS);
              cached++;
            }
          }
        }
        long hitsBefore = cache.stats().hits();
        for (int i = 0; i < HOT; i++) {
          closeAll(cache.getAll(List.of(key(i)), loader));
        }
        double hitRatio = (cache.stats().hits() - hitsBefore) / (double) HOT;
        return new ScanResult(cached, hitRatio);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(EvictionPolicy.class)
  void listenerEvictionSkipsPinnedAndHeldEntries(EvictionPolicy policy) throws IOException {
    TestChunks.RecordingLoader loader = new TestChunks.RecordingLoader(ROWS, SLICE_ROWS);
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TestChunks.chunkSize(root, key(0), ROWS, SLICE_ROWS);
      CacheOptions options = CacheOptions.of(4 * chunk).withEvictionPolicy(policy);
      try (ChunkCache cache = new ChunkCache(root, options)) {
        for (int i = 0; i < 4; i++) {
          closeAll(cache.getAll(List.of(key(i)), loader));
        }
        cache.pin(key(0), null);
        try (CachedChunk held = cache.getIfPresent(key(1))) {
          assertNotNull(held);
          var listener = cache.allocator().getListener();
          // Only keys 2 and 3 are evictable: not enough for three chunks, so nothing is evicted.
          assertFalse(listener.onFailedAllocation(3 * chunk, null));
          assertEquals(0, cache.stats().evictions());
          assertTrue(listener.onFailedAllocation(2 * chunk, null));
          assertEquals(2, cache.stats().evictions());
          assertNull(cache.getIfPresent(key(2)));
          assertNull(cache.getIfPresent(key(3)));
          verify(key(1), held.chunk(), ROWS);
        }
        try (CachedChunk pinned = cache.getIfPresent(key(0))) {
          assertNotNull(pinned);
        }
        CacheStats stats = cache.stats();
        assertEquals(1, stats.pinnedEntries());
        assertEquals(chunk, stats.pinnedBytes());
      }
    }
  }

  @Test
  void optionsAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> CacheOptions.of(0));
    assertThrows(
        IllegalArgumentException.class, () -> CacheOptions.of(100).withEvictionMargin(100));
    assertThrows(
        IllegalArgumentException.class,
        () -> CacheOptions.of(100).withExpireAfterWrite(java.time.Duration.ZERO));
    assertThrows(NullPointerException.class, () -> CacheOptions.of(100).withEvictionPolicy(null));
    assertThrows(NullPointerException.class, () -> CacheOptions.of(100).withTicker(null));
    CacheOptions defaults = CacheOptions.of(100);
    assertEquals(EvictionPolicy.LRU, defaults.evictionPolicy());
    assertEquals(0, defaults.evictionMarginBytes());
    assertNull(defaults.expireAfterWrite());
  }
}
