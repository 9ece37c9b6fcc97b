package io.quiver.cache;

import static io.quiver.cache.TierChunks.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Stream-through, quotas, metrics, listing and TinyLFU admission of disk hits. */
@Timeout(30)
class ChunkCacheTiersTest {
  @TempDir Path dir;

  private static ColumnChunkKey k(String file, int rowGroup) {
    return key(file + ".parquet", "v1", rowGroup, "c");
  }

  private static void get(ChunkCache cache, ColumnChunkKey key, ChunkLoader loader)
      throws IOException {
    TestChunks.closeAll(cache.getAll(List.of(key), loader));
  }

  private static BufferAllocator streamAllocator(BufferAllocator root) {
    for (BufferAllocator child : root.getChildAllocators()) {
      if (child.getName().equals(ChunkCache.OVERFLOW_ALLOCATOR_NAME)) {
        return child;
      }
    }
    throw new AssertionError("no stream-through allocator");
  }

  @Test
  void aLoadThatCannotFitBesidePinnedDataStreamsThroughUncached() throws IOException {
    TierChunks.Loader loader = new TierChunks.Loader();
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TierChunks.size(root, k("a", 0));
      CacheOptions options = CacheOptions.of(2 * chunk + chunk / 2).withStreamThrough(1 << 20);
      try (ChunkCache cache = new ChunkCache(root, options)) {
        cache.pinAll("everything", key -> true, null);
        get(cache, k("a", 0), loader);
        get(cache, k("a", 1), loader);
        BufferAllocator stream = streamAllocator(root);

        Map<ColumnChunkKey, CachedChunk> refs = cache.getAll(List.of(k("a", 2)), loader);
        try {
          CachedChunk ref = refs.get(k("a", 2));
          assertTrue(ref.uncached());
          TierChunks.verify(root, k("a", 2), ref.chunk());
          assertTrue(stream.getAllocatedMemory() > 0, "the data lives in the stream allocator");
          assertEquals(2, cache.stats().entries(), "nothing was evicted or cached");
          assertNull(cache.getIfPresent(k("a", 2)));
        } finally {
          TestChunks.closeAll(refs);
        }
        assertEquals(0, stream.getAllocatedMemory(), "closing the reference frees it");
        assertEquals(1, cache.metrics().streamedThrough());
        assertEquals(2 * chunk, cache.allocator().getAllocatedMemory());
      }
    }
  }

  @Test
  void dataHeldByReadersAlsoStreamsThroughAndTheCacheRecoversAfterwards() throws IOException {
    TierChunks.Loader loader = new TierChunks.Loader();
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TierChunks.size(root, k("a", 0));
      CacheOptions options = CacheOptions.of(2 * chunk + chunk / 2).withStreamThrough(1 << 20);
      try (ChunkCache cache = new ChunkCache(root, options)) {
        Map<ColumnChunkKey, CachedChunk> held = cache.getAll(List.of(k("a", 0), k("a", 1)), loader);
        Map<ColumnChunkKey, CachedChunk> streamed =
            cache.getAll(List.of(k("b", 0), k("b", 1)), loader);
        assertTrue(streamed.values().stream().allMatch(CachedChunk::uncached));
        streamed.forEach((key, ref) -> TierChunks.verify(root, key, ref.chunk()));
        TestChunks.closeAll(streamed);
        TestChunks.closeAll(held);
        // With the readers gone, the same keys are cached normally.
        Map<ColumnChunkKey, CachedChunk> cached = cache.getAll(List.of(k("b", 0)), loader);
        assertFalse(cached.get(k("b", 0)).uncached());
        TestChunks.closeAll(cached);
        assertEquals(2, cache.metrics().streamedThrough());
      }
    }
  }

  @Test
  void withoutRoomInTheStreamBudgetTheLoadFailsCleanly() throws IOException {
    TierChunks.Loader loader = new TierChunks.Loader();
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TierChunks.size(root, k("a", 0));
      CacheOptions options = CacheOptions.of(2 * chunk + chunk / 2).withStreamThrough(chunk / 4);
      try (ChunkCache cache = new ChunkCache(root, options)) {
        cache.pinAll("everything", key -> true, null);
        get(cache, k("a", 0), loader);
        get(cache, k("a", 1), loader);
        CacheCapacityException e =
            assertThrows(
                CacheCapacityException.class, () -> cache.getAll(List.of(k("a", 2)), loader));
        assertNotNull(e.getMessage());
        assertEquals(0, streamAllocator(root).getAllocatedMemory());
        assertEquals(2, cache.stats().entries());
        assertEquals(1, cache.stats().loadFailures());
        cache.unpinAll("everything");
        get(cache, k("a", 2), loader); // usable afterwards
      }
    }
  }

  @Test
  void aLoaderFailingDuringStreamThroughLeavesNothingBehind() throws IOException {
    TierChunks.Loader good = new TierChunks.Loader();
    ChunkLoader failingWhenStreaming =
        (missing, allocator) -> {
          if (!allocator.getName().equals(ChunkCache.OVERFLOW_ALLOCATOR_NAME)) {
            return good.load(missing, allocator);
          }
          // Decode, then fail the way a truncated source would: close what was built first.
          Map<ColumnChunkKey, ColumnChunk> partial = good.load(missing, allocator);
          partial.values().forEach(ColumnChunk::close);
          throw new IOException("source truncated while streaming " + missing);
        };
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TierChunks.size(root, k("a", 0));
      CacheOptions options = CacheOptions.of(2 * chunk + chunk / 2).withStreamThrough(1 << 20);
      try (ChunkCache cache = new ChunkCache(root, options)) {
        cache.pinAll("everything", key -> true, null);
        get(cache, k("a", 0), good);
        get(cache, k("a", 1), good);
        IOException e =
            assertThrows(
                IOException.class, () -> cache.getAll(List.of(k("a", 2)), failingWhenStreaming));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertEquals(1, e.getSuppressed().length, "the capacity failure is kept as suppressed");
        assertTrue(e.getSuppressed()[0] instanceof CacheCapacityException);
        assertEquals(0, streamAllocator(root).getAllocatedMemory());
        assertEquals(0, cache.metrics().streamedThrough());
        assertNull(cache.getIfPresent(k("a", 2)));
      }
    }
  }

  @Test
  void aDiskHitThatCannotFitStreamsThroughFromTheMappedFile() throws IOException {
    TierChunks.Loader loader = new TierChunks.Loader();
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TierChunks.size(root, k("a", 0));
      CacheOptions options =
          CacheOptions.of(chunk + chunk / 2)
              .withStreamThrough(1 << 20)
              .withDiskTier(new DiskDirectory(dir, 1 << 20))
              .withExecutor(Runnable::run);
      try (ChunkCache cache = new ChunkCache(root, options)) {
        get(cache, k("a", 0), loader);
        get(cache, k("a", 1), loader); // demotes a0
        cache.pin(k("a", 1), null);
        Map<ColumnChunkKey, CachedChunk> refs = cache.getAll(List.of(k("a", 0)), loader);
        try {
          assertTrue(refs.get(k("a", 0)).uncached());
          TierChunks.verify(root, k("a", 0), refs.get(k("a", 0)).chunk());
        } finally {
          TestChunks.closeAll(refs);
        }
        assertEquals(2, loader.loadedKeys(), "served from disk, not the source");
        CacheMetrics metrics = cache.metrics();
        assertEquals(1, metrics.diskHits());
        assertEquals(1, metrics.streamedThrough());
        assertEquals(0, metrics.promotions());
        assertEquals(0, streamAllocator(root).getAllocatedMemory(), "the mapping is released");
      }
    }
  }

  @Test
  void aGroupOverItsQuotaEvictsItsOwnColdestEntriesToDisk() throws IOException {
    TierChunks.Loader loader = new TierChunks.Loader();
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TierChunks.size(root, k("a", 0));
      CacheOptions options =
          CacheOptions.of(20 * chunk)
              .withDiskTier(new DiskDirectory(dir, 1 << 20))
              .withExecutor(Runnable::run)
              .withQuotaGroup(ColumnChunkKey::file);
      String groupA = k("a", 0).file();
      try (ChunkCache cache = new ChunkCache(root, options)) {
        cache.setQuota(groupA, 2 * chunk + chunk / 2);
        for (int i = 0; i < 4; i++) {
          get(cache, k("a", i), loader);
        }
        get(cache, k("b", 0), loader);
        get(cache, k("b", 1), loader);
        assertEquals(2 * chunk, cache.quotaGroupBytes(groupA));
        assertEquals(2 * chunk, cache.quotaGroupBytes(k("b", 0).file()), "other groups untouched");
        assertNotNull(cache.diskFile(k("a", 0)), "quota evictions are demoted");
        assertNotNull(cache.diskFile(k("a", 1)));
        assertNull(cache.getIfPresent(k("a", 0)));
        try (CachedChunk kept = cache.getIfPresent(k("a", 3))) {
          assertNotNull(kept);
        }
        CacheMetrics metrics = cache.metrics();
        assertEquals(2, metrics.memoryEvictions().get(EvictionCause.QUOTA));
        assertEquals(0, metrics.memoryEvictions().get(EvictionCause.SIZE));
        assertEquals(2, metrics.demotions());

        // Lowering the quota applies at once: a2 is now the group's least recently used entry.
        cache.setQuota(groupA, chunk);
        assertEquals(chunk, cache.quotaGroupBytes(groupA));
        assertNull(cache.getIfPresent(k("a", 2)));

        // Entries in use may keep the group over its quota; releasing them enforces it.
        Map<ColumnChunkKey, CachedChunk> held =
            cache.getAll(List.of(k("a", 0), k("a", 1), k("a", 3)), loader);
        assertEquals(6, loader.loadedKeys(), "a0 and a1 came from disk");
        assertTrue(cache.quotaGroupBytes(groupA) > chunk, "held entries stay over the quota");
        TestChunks.closeAll(held);
        assertTrue(cache.quotaGroupBytes(groupA) <= chunk, "enforced when they are released");

        assertTrue(cache.clearQuota(groupA));
        assertFalse(cache.clearQuota(groupA));
        for (int i = 0; i < 4; i++) {
          get(cache, k("a", i), loader);
        }
        for (int i = 0; i < 4; i++) {
          try (CachedChunk ref = cache.getIfPresent(k("a", i))) {
            assertNotNull(ref, "no quota any more: a" + i + " stays");
          }
        }
      }
    }
  }

  @Test
  void metricsCountTiersAndLoaderLatency() throws IOException {
    TierChunks.Loader loader = new TierChunks.Loader();
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TierChunks.size(root, k("a", 0));
      CacheOptions options =
          CacheOptions.of(chunk + chunk / 2)
              .withDiskTier(new DiskDirectory(dir, 1 << 20))
              .withExecutor(Runnable::run);
      try (ChunkCache cache = new ChunkCache(root, options)) {
        get(cache, k("a", 0), loader); // memory miss, disk miss, loader
        get(cache, k("a", 0), loader); // memory hit
        get(cache, k("a", 1), loader); // miss, loader; demotes a0
        get(cache, k("a", 0), loader); // memory miss, disk hit, promoted; a1 demoted
        CacheMetrics m = cache.metrics();
        assertEquals(1, m.memoryHits());
        assertEquals(3, m.memoryMisses());
        assertEquals(1, m.diskHits());
        assertEquals(2, m.diskMisses());
        assertEquals(1, m.promotions());
        assertEquals(2, m.demotions());
        assertEquals(2, m.memoryEvictions().get(EvictionCause.SIZE));
        assertEquals(1, m.memoryEntries());
        assertEquals(2, m.diskEntries());
        long files = Files.size(cache.diskFile(k("a", 0))) + Files.size(cache.diskFile(k("a", 1)));
        assertEquals(files, m.diskBytes());
        assertEquals(2, m.loaderCalls());
        assertTrue(m.loadLatencyMaxMillis() > 0);
        assertTrue(m.loadLatencyP50Millis() <= m.loadLatencyP90Millis());
        assertTrue(m.loadLatencyP90Millis() <= m.loadLatencyP99Millis());
        assertTrue(m.loadLatencyP99Millis() <= m.loadLatencyMaxMillis());
      }
    }
  }

  @Test
  void entriesListsBothTiersWithPinsReadersHitsAndAge() throws IOException {
    TierChunks.Loader loader = new TierChunks.Loader();
    TestChunks.FakeTicker ticker = new TestChunks.FakeTicker();
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TierChunks.size(root, k("a", 0));
      CacheOptions options =
          CacheOptions.of(2 * chunk + chunk / 2)
              .withTicker(ticker)
              .withDiskTier(new DiskDirectory(dir, 1 << 20))
              .withExecutor(Runnable::run);
      try (ChunkCache cache = new ChunkCache(root, options)) {
        get(cache, k("a", 0), loader);
        ticker.advance(java.time.Duration.ofSeconds(5));
        get(cache, k("a", 1), loader);
        get(cache, k("a", 1), loader);
        get(cache, k("a", 2), loader); // demotes a0
        cache.pin(k("a", 2), null);
        Map<ColumnChunkKey, CachedChunk> held = cache.getAll(List.of(k("a", 1)), loader);
        try {
          List<EntryInfo> all = cache.entries(key -> true);
          assertEquals(3, all.size(), all.toString());
          EntryInfo onDisk = find(all, k("a", 0), Tier.DISK);
          assertEquals(Files.size(cache.diskFile(k("a", 0))), onDisk.bytes());
          EntryInfo a1 = find(all, k("a", 1), Tier.MEMORY);
          assertEquals(1, a1.readers());
          assertEquals(2, a1.hits());
          assertFalse(a1.pinned());
          assertEquals(chunk, a1.bytes());
          EntryInfo a2 = find(all, k("a", 2), Tier.MEMORY);
          assertTrue(a2.pinned());
          assertEquals(0, a2.readers());
          assertEquals(java.time.Duration.ZERO, a2.age());
          ticker.advance(java.time.Duration.ofSeconds(3));
          assertEquals(
              java.time.Duration.ofSeconds(3),
              find(cache.entries(key -> true), k("a", 2), Tier.MEMORY).age());
          assertEquals(1, cache.entries(key -> key.rowGroup() == 1).size());
        } finally {
          TestChunks.closeAll(held);
        }
      }
    }
  }

  private static EntryInfo find(List<EntryInfo> infos, ColumnChunkKey key, Tier tier) {
    List<EntryInfo> found = new ArrayList<>();
    for (EntryInfo info : infos) {
      if (info.key().equals(key) && info.tier() == tier) {
        found.add(info);
      }
    }
    assertEquals(1, found.size(), key + " in " + tier + ": " + infos);
    return found.get(0);
  }

  @Test
  void tinyLfuPromotesADiskHitOnlyOnceItIsRequestedMoreOftenThanTheMainVictim() throws IOException {
    TierChunks.Loader loader = new TierChunks.Loader();
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TierChunks.size(root, k("a", 0));
      CacheOptions options =
          CacheOptions.of(4 * chunk + chunk / 2)
              .withEvictionPolicy(EvictionPolicy.TINY_LFU)
              .withDiskTier(new DiskDirectory(dir, 1 << 20))
              .withExecutor(Runnable::run);
      try (ChunkCache cache = new ChunkCache(root, options)) {
        for (int round = 0; round < 6; round++) {
          for (int i = 0; i < 4; i++) {
            get(cache, k("hot", i), loader);
          }
        }
        get(cache, k("cold", 0), loader);
        get(cache, k("cold", 1), loader); // cold0 loses the admission contest: to disk
        get(cache, k("cold", 2), loader);
        assertNotNull(cache.diskFile(k("cold", 0)));
        int loads = loader.loadedKeys();

        Map<ColumnChunkKey, CachedChunk> refs = cache.getAll(List.of(k("cold", 0)), loader);
        try {
          assertTrue(refs.get(k("cold", 0)).uncached(), "a rarely used disk hit is not promoted");
          TierChunks.verify(root, k("cold", 0), refs.get(k("cold", 0)).chunk());
        } finally {
          TestChunks.closeAll(refs);
        }
        assertEquals(0, cache.metrics().promotions());
        assertNull(cache.getIfPresent(k("cold", 0)));

        for (int i = 0; i < 12 && cache.metrics().promotions() == 0; i++) {
          get(cache, k("cold", 0), loader);
        }
        assertEquals(1, cache.metrics().promotions(), "frequent enough, it is admitted");
        assertEquals(loads, loader.loadedKeys(), "all of it from disk, never the loader");
        try (CachedChunk promoted = cache.getIfPresent(k("cold", 0))) {
          assertNotNull(promoted);
        }
      }
    }
  }
}
