package io.quiver.cache;

import static io.quiver.cache.TestChunks.closeAll;
import static io.quiver.cache.TestChunks.key;
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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Pins, pin rules and expiry, with a fake ticker; every test runs under both policies. */
@Timeout(30)
class ChunkCachePinTest {
  private static final int ROWS = 256;
  private static final int SLICE_ROWS = 128;

  /** Keys 0..7 are the row groups of one file. */
  private static final Predicate<ColumnChunkKey> FILE_0 = k -> k.file().equals(key(0).file());

  private static ChunkCache cache(
      RootAllocator root, long capacity, EvictionPolicy policy, TestChunks.FakeTicker ticker) {
    return new ChunkCache(
        root, CacheOptions.of(capacity).withEvictionPolicy(policy).withTicker(ticker));
  }

  /** Loads keys {@code from} (inclusive) to {@code to} (exclusive) one by one. */
  private static void load(ChunkCache cache, ChunkLoader loader, int from, int to)
      throws IOException {
    for (int i = from; i < to; i++) {
      closeAll(cache.getAll(List.of(key(i)), loader));
      assertTrue(cache.allocator().getAllocatedMemory() <= cache.stats().capacityBytes());
    }
  }

  private static boolean isCached(ChunkCache cache, ColumnChunkKey key) {
    try (CachedChunk ref = cache.getIfPresent(key)) {
      if (ref != null) {
        verify(key, ref.chunk(), ROWS);
      }
      return ref != null;
    }
  }

  /**
   * Asks the allocation listener for all the room eviction can make: evicts every evictable entry,
   * whatever the policy would prefer.
   */
  private static void evictEverythingEvictable(ChunkCache cache) {
    CacheStats stats = cache.stats();
    long room = stats.capacityBytes() - stats.pinnedBytes();
    assertTrue(cache.allocator().getListener().onFailedAllocation(room, null));
    assertEquals(cache.stats().pinnedEntries(), cache.stats().entries());
  }

  private static long loadsOf(TestChunks.RecordingLoader loader, ColumnChunkKey key) {
    return loader.calls.stream().filter(call -> call.contains(key)).count();
  }

  @ParameterizedTest
  @EnumSource(EvictionPolicy.class)
  void aPinnedChunkSurvivesPressureUntilUnpinned(EvictionPolicy policy) throws IOException {
    TestChunks.RecordingLoader loader = new TestChunks.RecordingLoader(ROWS, SLICE_ROWS);
    TestChunks.FakeTicker ticker = new TestChunks.FakeTicker();
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TestChunks.chunkSize(root, key(0), ROWS, SLICE_ROWS);
      try (ChunkCache cache = cache(root, 4 * chunk, policy, ticker)) {
        load(cache, loader, 0, 1);
        cache.pin(key(0), null);
        assertEquals(1, cache.stats().pinnedEntries());
        assertEquals(chunk, cache.stats().pinnedBytes());
        load(cache, loader, 1, 40);
        assertTrue(cache.stats().evictions() >= 36);
        long hits = cache.stats().hits();
        closeAll(cache.getAll(List.of(key(0)), loader));
        assertEquals(hits + 1, cache.stats().hits(), "the pinned chunk is a hit");
        assertEquals(1, loadsOf(loader, key(0)));

        assertTrue(cache.unpin(key(0)));
        assertFalse(cache.unpin(key(0)));
        assertEquals(0, cache.stats().pinnedEntries());
        assertEquals(0, cache.stats().pinnedBytes());
        evictEverythingEvictable(cache);
        assertFalse(isCached(cache, key(0)), "unpinned, it is evictable again");
        assertEquals(cache.stats().bytes(), cache.allocator().getAllocatedMemory());
      }
    }
  }

  @ParameterizedTest
  @EnumSource(EvictionPolicy.class)
  void aPinOnAKeyNotYetCachedAppliesWhenItIsLoaded(EvictionPolicy policy) throws IOException {
    TestChunks.RecordingLoader loader = new TestChunks.RecordingLoader(ROWS, SLICE_ROWS);
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TestChunks.chunkSize(root, key(0), ROWS, SLICE_ROWS);
      try (ChunkCache cache = cache(root, 3 * chunk, policy, new TestChunks.FakeTicker())) {
        cache.pin(key(5), null);
        assertEquals(0, cache.stats().pinnedEntries());
        load(cache, loader, 5, 6);
        assertEquals(1, cache.stats().pinnedEntries());
        load(cache, loader, 10, 30);
        assertTrue(isCached(cache, key(5)));
        // Invalidation drops a pinned entry, but the pin applies again when it is reloaded.
        cache.invalidate(key(5));
        assertEquals(0, cache.stats().pinnedEntries());
        load(cache, loader, 5, 6);
        load(cache, loader, 30, 40);
        assertTrue(isCached(cache, key(5)));
        assertEquals(2, loadsOf(loader, key(5)));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(EvictionPolicy.class)
  void aPinWithATimeToLiveExpiresWithTheTicker(EvictionPolicy policy) throws IOException {
    TestChunks.RecordingLoader loader = new TestChunks.RecordingLoader(ROWS, SLICE_ROWS);
    TestChunks.FakeTicker ticker = new TestChunks.FakeTicker();
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TestChunks.chunkSize(root, key(0), ROWS, SLICE_ROWS);
      try (ChunkCache cache = cache(root, 3 * chunk, policy, ticker)) {
        load(cache, loader, 0, 1);
        cache.pin(key(0), Duration.ofMinutes(5));
        ticker.advance(Duration.ofMinutes(4));
        load(cache, loader, 10, 20);
        assertTrue(isCached(cache, key(0)));
        assertEquals(1, cache.stats().pinnedEntries());

        ticker.advance(Duration.ofMinutes(1));
        assertEquals(0, cache.stats().pinnedEntries(), "the pin expired");
        evictEverythingEvictable(cache);
        assertFalse(isCached(cache, key(0)));
        assertFalse(cache.unpin(key(0)), "the expired pin was dropped");
        assertThrows(IllegalArgumentException.class, () -> cache.pin(key(1), Duration.ZERO));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(EvictionPolicy.class)
  void pinRulesApplyToCachedAndLaterLoadedKeysUntilRemoved(EvictionPolicy policy)
      throws IOException {
    TestChunks.RecordingLoader loader = new TestChunks.RecordingLoader(ROWS, SLICE_ROWS);
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TestChunks.chunkSize(root, key(0), ROWS, SLICE_ROWS);
      try (ChunkCache cache = cache(root, 8 * chunk, policy, new TestChunks.FakeTicker())) {
        load(cache, loader, 0, 3);
        load(cache, loader, 8, 10);
        cache.pinAll("file:part-0", FILE_0, null);
        assertEquals(3, cache.stats().pinnedEntries(), "keys 0..2 are cached now");
        load(cache, loader, 3, 5);
        assertEquals(5, cache.stats().pinnedEntries(), "keys 3 and 4 matched when loaded");
        assertEquals(5 * chunk, cache.stats().pinnedBytes());

        load(cache, loader, 16, 60);
        for (int i = 0; i < 5; i++) {
          assertTrue(isCached(cache, key(i)), "pinned key " + i);
          assertEquals(1, loadsOf(loader, key(i)));
        }
        evictEverythingEvictable(cache);
        assertFalse(isCached(cache, key(8)), "another file's chunks are evictable");
        assertEquals(5, cache.stats().entries());

        assertTrue(cache.unpinAll("file:part-0"));
        assertFalse(cache.unpinAll("file:part-0"));
        assertEquals(0, cache.stats().pinnedEntries());
        evictEverythingEvictable(cache);
        for (int i = 0; i < 5; i++) {
          assertFalse(isCached(cache, key(i)), "unpinned key " + i);
        }
        assertEquals(cache.stats().bytes(), cache.allocator().getAllocatedMemory());
      }
    }
  }

  @ParameterizedTest
  @EnumSource(EvictionPolicy.class)
  void aPinRuleMayExpireOrBeReplacedByName(EvictionPolicy policy) throws IOException {
    TestChunks.RecordingLoader loader = new TestChunks.RecordingLoader(ROWS, SLICE_ROWS);
    TestChunks.FakeTicker ticker = new TestChunks.FakeTicker();
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TestChunks.chunkSize(root, key(0), ROWS, SLICE_ROWS);
      try (ChunkCache cache = cache(root, 8 * chunk, policy, ticker)) {
        cache.pinAll("hot", FILE_0, Duration.ofSeconds(30));
        load(cache, loader, 0, 2);
        assertEquals(2, cache.stats().pinnedEntries());
        // Replacing the rule: now only row group 1 of the file is pinned, without expiry.
        cache.pinAll("hot", FILE_0.and(k -> k.rowGroup() == 1), null);
        assertEquals(1, cache.stats().pinnedEntries());
        ticker.advance(Duration.ofMinutes(1));
        load(cache, loader, 16, 40);
        evictEverythingEvictable(cache);
        assertFalse(isCached(cache, key(0)));
        assertTrue(isCached(cache, key(1)), "the replacing rule has no expiry");

        cache.pinAll("short", FILE_0.and(k -> k.rowGroup() == 2), Duration.ofSeconds(10));
        load(cache, loader, 2, 3);
        assertEquals(2, cache.stats().pinnedEntries());
        ticker.advance(Duration.ofSeconds(10));
        assertEquals(1, cache.stats().pinnedEntries());
        assertFalse(cache.unpinAll("short"), "an expired rule is gone");
        evictEverythingEvictable(cache);
        assertFalse(isCached(cache, key(2)));

        RuntimeException broken = new IllegalStateException("bad predicate");
        assertSame(
            broken,
            assertThrows(
                IllegalStateException.class,
                () ->
                    cache.pinAll(
                        "broken",
                        k -> {
                          throw broken;
                        },
                        null)));
        assertFalse(cache.unpinAll("broken"), "a rule whose predicate threw is not installed");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(EvictionPolicy.class)
  void whenEverythingIsPinnedOrHeldALoadFailsWithCapacityException(EvictionPolicy policy)
      throws IOException {
    TestChunks.RecordingLoader loader = new TestChunks.RecordingLoader(ROWS, SLICE_ROWS);
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TestChunks.chunkSize(root, key(0), ROWS, SLICE_ROWS);
      try (ChunkCache cache = cache(root, 3 * chunk, policy, new TestChunks.FakeTicker())) {
        cache.pinAll("all", k -> true, null);
        load(cache, loader, 0, 3);
        assertEquals(3, cache.stats().pinnedEntries());
        CacheCapacityException e =
            assertThrows(CacheCapacityException.class, () -> cache.getAll(List.of(key(3)), loader));
        assertEquals(3 * chunk, e.heldBytes());
        assertInstanceOf(OutOfMemoryException.class, e.getCause());
        assertEquals(3 * chunk, cache.allocator().getAllocatedMemory(), "partial load leaked");
        assertEquals(1, cache.stats().loadFailures());
        assertEquals(0, cache.stats().evictions());

        // Two pinned, one held by a reader: still nothing to evict.
        cache.unpinAll("all");
        cache.pin(key(0), null);
        cache.pin(key(1), null);
        try (CachedChunk held = cache.getIfPresent(key(2))) {
          assertNotNull(held);
          assertThrows(CacheCapacityException.class, () -> cache.getAll(List.of(key(3)), loader));
          assertEquals(2, cache.stats().loadFailures());
        }
        // Released: key 2 is evictable and the load fits.
        Map<ColumnChunkKey, CachedChunk> refs = cache.getAll(List.of(key(3)), loader);
        verify(key(3), refs.get(key(3)).chunk(), ROWS);
        closeAll(refs);
        assertTrue(isCached(cache, key(0)));
        assertTrue(isCached(cache, key(1)));
        assertFalse(isCached(cache, key(2)));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(EvictionPolicy.class)
  void expiredEntriesAreNeverServedAndAreReloaded(EvictionPolicy policy) throws IOException {
    TestChunks.RecordingLoader loader = new TestChunks.RecordingLoader(ROWS, SLICE_ROWS);
    TestChunks.FakeTicker ticker = new TestChunks.FakeTicker();
    CacheOptions options =
        CacheOptions.of(1 << 20)
            .withEvictionPolicy(policy)
            .withTicker(ticker)
            .withExpireAfterWrite(Duration.ofMinutes(10));
    try (RootAllocator root = new RootAllocator(64 << 20);
        ChunkCache cache = new ChunkCache(root, options)) {
      load(cache, loader, 0, 2);
      cache.pin(key(1), null);
      ticker.advance(Duration.ofMinutes(5));
      load(cache, loader, 0, 1);
      assertEquals(1, loadsOf(loader, key(0)), "not expired yet: a hit");

      CachedChunk held = cache.getIfPresent(key(0));
      ticker.advance(Duration.ofMinutes(5));
      assertNull(cache.getIfPresent(key(0)), "expired entries are never served");
      assertFalse(isCached(cache, key(1)), "a pin does not outlive expiry");
      assertEquals(2, cache.stats().expirations());
      verify(key(0), held.chunk(), ROWS);
      held.close();
      assertEquals(0, cache.allocator().getAllocatedMemory());

      load(cache, loader, 0, 2);
      assertEquals(2, loadsOf(loader, key(0)), "a get after expiry calls the loader again");
      assertEquals(1, cache.stats().pinnedEntries(), "the pin applies to the reloaded entry");

      ticker.advance(Duration.ofMinutes(10));
      cache.cleanUp();
      assertEquals(0, cache.stats().entries());
      assertEquals(0, cache.stats().pinnedEntries());
      assertEquals(4, cache.stats().expirations());
      assertEquals(0, cache.allocator().getAllocatedMemory());
    }
  }

  @ParameterizedTest
  @EnumSource(EvictionPolicy.class)
  void evictionDropsExpiredEntriesBeforeChoosingVictims(EvictionPolicy policy) throws IOException {
    TestChunks.RecordingLoader loader = new TestChunks.RecordingLoader(ROWS, SLICE_ROWS);
    TestChunks.FakeTicker ticker = new TestChunks.FakeTicker();
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TestChunks.chunkSize(root, key(0), ROWS, SLICE_ROWS);
      CacheOptions options =
          CacheOptions.of(4 * chunk)
              .withEvictionPolicy(policy)
              .withTicker(ticker)
              .withExpireAfterWrite(Duration.ofMinutes(10));
      try (ChunkCache cache = new ChunkCache(root, options)) {
        load(cache, loader, 0, 1);
        ticker.advance(Duration.ofMinutes(6));
        load(cache, loader, 1, 4);
        load(cache, loader, 0, 1); // a hit: key 0 is the most recently used
        ticker.advance(Duration.ofMinutes(5));
        load(cache, loader, 4, 5);
        CacheStats stats = cache.stats();
        assertEquals(1, stats.expirations());
        assertEquals(0, stats.evictions());
        for (int i = 1; i < 5; i++) {
          assertTrue(isCached(cache, key(i)), "key " + i);
        }
        assertFalse(isCached(cache, key(0)));
      }
    }
  }
}
