package io.quiver.cache;

import static io.quiver.cache.TierChunks.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class ChunkCacheDiskTierTest {
  private static final ColumnChunkKey LONGS = key("a.parquet", "v1", 0, "c");
  private static final ColumnChunkKey TEXT = key("a.parquet", "v1", 0, "s");
  private static final ColumnChunkKey LISTS = key("a.parquet", "v1", 0, "l");
  private static final ColumnChunkKey NULLABLE = key("a.parquet", "v1", 0, "n");
  private static final List<ColumnChunkKey> ALL = List.of(LONGS, TEXT, LISTS, NULLABLE);

  @TempDir Path dir;

  private static ColumnChunkKey sameAs(String column) {
    return TierChunks.key("a.parquet", "v1", 0, column);
  }

  private static long maxSize(BufferAllocator root, List<ColumnChunkKey> keys) {
    long max = 0;
    for (ColumnChunkKey key : keys) {
      max = Math.max(max, TierChunks.size(root, key));
    }
    return max;
  }

  private static void get(ChunkCache cache, ColumnChunkKey key, ChunkLoader loader)
      throws IOException {
    TestChunks.closeAll(cache.getAll(List.of(key), loader));
  }

  private static List<Path> files(Path dir, String suffix) throws IOException {
    try (Stream<Path> listing = Files.list(dir)) {
      return listing.filter(p -> p.getFileName().toString().endsWith(suffix)).toList();
    }
  }

  private CacheOptions options(long capacity, long diskCapacity) {
    return CacheOptions.of(capacity)
        .withDiskTier(new DiskDirectory(dir, diskCapacity))
        .withExecutor(Runnable::run);
  }

  @Test
  void evictedEntriesAreDemotedAndPromotedBackWithIdenticalDataWithoutTheLoader()
      throws IOException {
    TierChunks.Loader loader = new TierChunks.Loader();
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long capacity = maxSize(root, ALL) * 3 / 2;
      try (ChunkCache cache = new ChunkCache(root, options(capacity, 16 << 20))) {
        for (ColumnChunkKey key : ALL) {
          get(cache, key, loader);
        }
        assertEquals(4, loader.loadedKeys());
        CacheMetrics afterLoad = cache.metrics();
        assertTrue(afterLoad.demotions() >= 2, "evictions must be written to disk: " + afterLoad);
        assertNotNull(cache.diskFile(LONGS), "the first entry was evicted to disk");

        // Every key is served again with identical data, from memory or disk, never the loader.
        for (ColumnChunkKey key : ALL) {
          Map<ColumnChunkKey, CachedChunk> refs = cache.getAll(List.of(key), loader);
          try {
            TierChunks.verify(root, key, refs.get(key).chunk());
          } finally {
            TestChunks.closeAll(refs);
          }
        }
        assertEquals(4, loader.loadedKeys(), "disk hits must not call the loader");
        CacheMetrics metrics = cache.metrics();
        assertTrue(metrics.diskHits() >= 1, metrics.toString());
        assertEquals(metrics.diskHits(), metrics.promotions(), "LRU promotes every disk hit");
        assertTrue(cache.allocator().getAllocatedMemory() <= capacity);

        // A promoted chunk is served from the mapped file: one ledger spans the whole file.
        Path file = cache.diskFile(LONGS);
        long fileSize = Files.size(file);
        Map<ColumnChunkKey, CachedChunk> refs = cache.getAll(List.of(LONGS), loader);
        try {
          boolean mapped = false;
          for (FieldVector slice : refs.get(LONGS).chunk().slices()) {
            for (ArrowBuf buffer : slice.getFieldBuffers()) {
              mapped |= buffer.getReferenceManager().getAccountedSize() == fileSize;
            }
          }
          assertTrue(mapped, "a promoted chunk must be backed by the mapped file, not a copy");
        } finally {
          TestChunks.closeAll(refs);
        }
      }
    }
  }

  @Test
  void diskFilesAreStandardArrowIpcFilesNamingTheirKey() throws IOException {
    TierChunks.Loader loader = new TierChunks.Loader();
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long capacity = TierChunks.size(root, LISTS) + TierChunks.size(root, LISTS) / 2;
      try (ChunkCache cache = new ChunkCache(root, options(capacity, 16 << 20))) {
        get(cache, LISTS, loader);
        get(cache, key("b.parquet", "v1", 0, "l"), loader); // evicts LISTS
        Path file = cache.diskFile(LISTS);
        assertNotNull(file);
        try (BufferAllocator scratch = root.newChildAllocator("reader", 0, 16 << 20);
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
            ArrowFileReader reader = new ArrowFileReader(channel, scratch)) {
          List<ArrowBlock> blocks = reader.getRecordBlocks(); // reads the footer
          Map<String, String> metadata = reader.getMetaData();
          assertEquals(LISTS.file(), metadata.get("quiver.file"));
          assertEquals("v1", metadata.get("quiver.version"));
          assertEquals("0", metadata.get("quiver.rowGroup"));
          assertEquals("l", metadata.get("quiver.column"));
          assertNotNull(metadata.get("quiver.crc32c"));
          long rows = 0;
          assertEquals(3, blocks.size(), "one record batch per slice");
          while (reader.loadNextBatch()) {
            rows += reader.getVectorSchemaRoot().getRowCount();
          }
          assertEquals(TierChunks.ROWS, rows);
        }
      }
    }
  }

  @Test
  void aCorruptedFileIsDetectedDeletedCountedAndReloadedFromTheSource() throws IOException {
    TierChunks.Loader loader = new TierChunks.Loader();
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long capacity = TierChunks.size(root, TEXT) + TierChunks.size(root, TEXT) / 2;
      try (ChunkCache cache = new ChunkCache(root, options(capacity, 16 << 20))) {
        get(cache, TEXT, loader);
        get(cache, key("b.parquet", "v1", 0, "s"), loader); // evicts TEXT to disk
        Path file = cache.diskFile(TEXT);
        assertNotNull(file);
        // Flip bytes in the middle of the data (inside the checksummed range).
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
          long at = Files.size(file) / 2;
          channel.write(ByteBuffer.wrap(new byte[] {(byte) 0x5A, (byte) 0xA5, 0x11}), at);
        }
        Map<ColumnChunkKey, CachedChunk> refs = cache.getAll(List.of(TEXT), loader);
        try {
          TierChunks.verify(root, TEXT, refs.get(TEXT).chunk());
        } finally {
          TestChunks.closeAll(refs);
        }
        assertEquals(3, loader.loadedKeys(), "the damaged file falls through to the loader");
        assertFalse(Files.exists(file), "the damaged file is deleted");
        CacheMetrics metrics = cache.metrics();
        assertEquals(1, metrics.diskEvictions().get(EvictionCause.CORRUPT));
        assertEquals(0, metrics.diskHits());
        assertEquals(3, metrics.diskMisses(), "two first loads and the damaged file");
      }
    }
  }

  @Test
  void aTruncatedFileIsNeverServed() throws IOException {
    TierChunks.Loader loader = new TierChunks.Loader();
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long capacity = TierChunks.size(root, LONGS) + TierChunks.size(root, LONGS) / 2;
      try (ChunkCache cache = new ChunkCache(root, options(capacity, 16 << 20))) {
        get(cache, LONGS, loader);
        get(cache, key("b.parquet", "v1", 0, "c"), loader);
        Path file = cache.diskFile(LONGS);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
          channel.truncate(Files.size(file) - 7);
        }
        Map<ColumnChunkKey, CachedChunk> refs = cache.getAll(List.of(LONGS), loader);
        try {
          TierChunks.verify(root, LONGS, refs.get(LONGS).chunk());
        } finally {
          TestChunks.closeAll(refs);
        }
        assertEquals(3, loader.loadedKeys());
        assertEquals(1, cache.metrics().diskEvictions().get(EvictionCause.CORRUPT));
      }
    }
  }

  @Test
  void diskCapacityIsRespectedByEvictingTheColdestFiles() throws IOException {
    TierChunks.Loader loader = new TierChunks.Loader();
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      ColumnChunkKey probe = key("f0.parquet", "v1", 0, "c");
      long chunk = TierChunks.size(root, probe);
      long diskCapacity = 3 * chunk + chunk / 2; // about three files (files are a bit larger)
      try (ChunkCache cache = new ChunkCache(root, options(chunk + chunk / 2, diskCapacity))) {
        for (int i = 0; i < 12; i++) {
          get(cache, key("f" + i + ".parquet", "v1", 0, "c"), loader);
          long used = cache.diskUsedBytes().get(0);
          assertTrue(used <= diskCapacity, "disk use " + used + " > " + diskCapacity);
          long onDisk = 0;
          for (Path file : files(dir, ".arrow")) {
            onDisk += Files.size(file);
          }
          assertEquals(used, onDisk, "the index accounts exactly the files in the directory");
        }
        CacheMetrics metrics = cache.metrics();
        assertTrue(metrics.diskEvictions().get(EvictionCause.SIZE) > 0, metrics.toString());
        assertEquals(metrics.diskEntries(), files(dir, ".arrow").size());
        assertTrue(files(dir, ".tmp").isEmpty());
        // The newest demoted entry is on disk, the oldest was evicted from it.
        assertNotNull(cache.diskFile(key("f10.parquet", "v1", 0, "c")));
        assertNull(cache.diskFile(key("f0.parquet", "v1", 0, "c")));
      }
    }
  }

  @Test
  void entriesAreSpreadOverSeveralDirectories(@TempDir Path second) throws IOException {
    TierChunks.Loader loader = new TierChunks.Loader();
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TierChunks.size(root, LONGS);
      CacheOptions options =
          CacheOptions.of(chunk + chunk / 2)
              .withDiskTier(new DiskDirectory(dir, 1 << 20), new DiskDirectory(second, 1 << 20))
              .withExecutor(Runnable::run);
      try (ChunkCache cache = new ChunkCache(root, options)) {
        for (int i = 0; i < 6; i++) {
          get(cache, key("f" + i + ".parquet", "v1", 0, "c"), loader);
        }
        assertFalse(files(dir, ".arrow").isEmpty());
        assertFalse(files(second, ".arrow").isEmpty());
        for (int i = 0; i < 5; i++) {
          ColumnChunkKey key = key("f" + i + ".parquet", "v1", 0, "c");
          Map<ColumnChunkKey, CachedChunk> refs = cache.getAll(List.of(key), loader);
          try {
            TierChunks.verify(root, key, refs.get(key).chunk());
          } finally {
            TestChunks.closeAll(refs);
          }
        }
        assertEquals(6, loader.loadedKeys());
      }
    }
  }

  @Test
  void invalidatingDeletesTheFiles() throws IOException {
    TierChunks.Loader loader = new TierChunks.Loader();
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TierChunks.size(root, LONGS);
      try (ChunkCache cache = new ChunkCache(root, options(chunk + chunk / 2, 1 << 20))) {
        for (int i = 0; i < 4; i++) {
          get(cache, key("f" + i + ".parquet", "v1", 0, "c"), loader);
        }
        Path first = cache.diskFile(key("f0.parquet", "v1", 0, "c"));
        Path second = cache.diskFile(key("f1.parquet", "v1", 0, "c"));
        assertNotNull(first);
        assertNotNull(second);
        cache.invalidate(key("f0.parquet", "v1", 0, "c"));
        assertFalse(Files.exists(first));
        cache.invalidateAll(k -> k.file().contains("f1") || k.file().contains("f3"));
        assertFalse(Files.exists(second));
        assertNull(cache.diskFile(key("f3.parquet", "v1", 0, "c")));
        assertNull(cache.getIfPresent(key("f3.parquet", "v1", 0, "c")));
        CacheMetrics metrics = cache.metrics();
        assertEquals(2, metrics.diskEvictions().get(EvictionCause.EXPLICIT));
        assertEquals(1, metrics.memoryEvictions().get(EvictionCause.EXPLICIT));
        get(cache, key("f0.parquet", "v1", 0, "c"), loader);
        assertEquals(5, loader.loadedKeys(), "an invalidated key is loaded from the source");
      }
    }
  }

  @Test
  void expiredDataIsNotServedFromDisk() throws IOException {
    TierChunks.Loader loader = new TierChunks.Loader();
    TestChunks.FakeTicker ticker = new TestChunks.FakeTicker();
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TierChunks.size(root, LONGS);
      CacheOptions options =
          options(chunk + chunk / 2, 1 << 20)
              .withTicker(ticker)
              .withExpireAfterWrite(Duration.ofMinutes(10));
      try (ChunkCache cache = new ChunkCache(root, options)) {
        get(cache, LONGS, loader);
        ticker.advance(Duration.ofMinutes(6));
        get(cache, key("b.parquet", "v1", 0, "c"), loader); // demotes LONGS
        Path file = cache.diskFile(LONGS);
        assertNotNull(file);
        ticker.advance(Duration.ofMinutes(5)); // LONGS is 11 minutes old now
        get(cache, LONGS, loader);
        assertEquals(3, loader.loadedKeys(), "expired data must come from the source again");
        assertFalse(Files.exists(file));
        assertEquals(1, cache.metrics().diskEvictions().get(EvictionCause.EXPIRED));
      }
    }
  }

  @Test
  void aDirectoryServesOneCacheAtATime() {
    try (RootAllocator root = new RootAllocator(64 << 20);
        ChunkCache cache = new ChunkCache(root, options(1 << 20, 1 << 20))) {
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class, () -> new ChunkCache(root, options(1 << 20, 1 << 20)));
      assertTrue(e.getMessage().contains(dir.toAbsolutePath().toString()), e.getMessage());
      assertNotNull(cache.allocator());
    }
  }

  @Test
  void loadingANewVersionDropsOlderVersionsInMemoryAndOnDisk() throws IOException {
    TierChunks.Loader loader = new TierChunks.Loader();
    ColumnChunkKey oldA = key("a.parquet", "v1", 0, "c");
    ColumnChunkKey oldB = key("a.parquet", "v1", 1, "c");
    ColumnChunkKey newA = key("a.parquet", "v2", 0, "c");
    ColumnChunkKey newB = key("a.parquet", "v2", 1, "c");
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TierChunks.size(root, oldA);
      try (ChunkCache cache = new ChunkCache(root, options(3 * chunk + chunk / 2, 1 << 20))) {
        get(cache, oldA, loader);
        get(cache, key("x.parquet", "v1", 0, "c"), loader);
        get(cache, key("y.parquet", "v1", 0, "c"), loader);
        get(cache, oldB, loader); // demotes oldA; memory: x, y, oldB
        Path oldFile = cache.diskFile(oldA);
        assertNotNull(oldFile);
        get(cache, newA, loader);
        assertFalse(Files.exists(oldFile), "the older version's file is deleted");
        get(cache, newB, loader);
        try (CachedChunk stale = cache.getIfPresent(oldB)) {
          assertNull(stale, "the older version in memory is dropped");
        }
        CacheMetrics metrics = cache.metrics();
        assertEquals(1, metrics.diskEvictions().get(EvictionCause.STALE));
        assertEquals(1, metrics.memoryEvictions().get(EvictionCause.STALE));
      }
    }
  }

  @Test
  void warmRestartServesWhileReindexingThenFindsFilesAndDropsBadOnes() throws IOException {
    TierChunks.Loader loader = new TierChunks.Loader();
    ColumnChunkKey stale = key("changed.parquet", "old", 0, "c");
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long capacity = maxSize(root, ALL) * 3 / 2;
      try (ChunkCache first = new ChunkCache(root, options(capacity, 1 << 20))) {
        for (ColumnChunkKey key : List.of(LONGS, TEXT, stale, NULLABLE)) {
          get(first, key, loader);
        }
        // Fillers as large as the largest chunk push every earlier entry out to disk.
        String largest = ALL.get(0).column();
        for (ColumnChunkKey key : ALL) {
          if (TierChunks.size(root, key) > TierChunks.size(root, sameAs(largest))) {
            largest = key.column();
          }
        }
        for (int i = 0; i < 3; i++) {
          get(first, key("filler" + i + ".parquet", "v1", 0, largest), loader);
        }
        assertNotNull(first.diskFile(LONGS));
        assertNotNull(first.diskFile(TEXT));
        assertNotNull(first.diskFile(stale));
      }
      // What a crash leaves behind: a partial write and a garbage file.
      Files.write(dir.resolve("0badc0de-1-2.tmp"), new byte[] {1, 2, 3});
      Files.write(dir.resolve("0badc0de-3-4.arrow"), new byte[100]);
      int loadsBefore = loader.loadedKeys();
      assertEquals(7, loadsBefore);

      TierChunks.ManualExecutor executor = new TierChunks.ManualExecutor();
      CacheOptions options =
          options(capacity, 1 << 20)
              .withExecutor(executor)
              .withVersionCheck(key -> !key.version().equals("old"));
      try (ChunkCache second = new ChunkCache(root, options)) {
        assertFalse(second.reindexed().isDone());
        // Serving already: the miss falls through to the loader while the re-index waits.
        Map<ColumnChunkKey, CachedChunk> refs = second.getAll(List.of(LONGS), loader);
        try {
          TierChunks.verify(root, LONGS, refs.get(LONGS).chunk());
        } finally {
          TestChunks.closeAll(refs);
        }
        assertEquals(loadsBefore + 1, loader.loadedKeys());

        executor.runAll();
        assertTrue(second.reindexed().isDone());
        assertFalse(second.reindexed().isCompletedExceptionally());
        assertFalse(Files.exists(dir.resolve("0badc0de-1-2.tmp")), "partial write deleted");
        assertFalse(Files.exists(dir.resolve("0badc0de-3-4.arrow")), "garbage deleted");
        assertNull(second.diskFile(stale), "a stale version is not indexed");
        CacheMetrics metrics = second.metrics();
        assertEquals(1, metrics.diskEvictions().get(EvictionCause.STALE));
        assertEquals(1, metrics.diskEvictions().get(EvictionCause.CORRUPT));

        refs = second.getAll(List.of(TEXT), loader);
        try {
          TierChunks.verify(root, TEXT, refs.get(TEXT).chunk());
        } finally {
          TestChunks.closeAll(refs);
        }
        assertEquals(loadsBefore + 1, loader.loadedKeys(), "served from the re-indexed file");
        assertEquals(1, second.metrics().diskHits());
      }
    }
  }

  @Test
  void variantsOfOneChunkLiveSideBySideInBothTiersAndAcrossARestart() throws IOException {
    // The same file, version, row group and column decoded two ways (a mount reading INT96 as
    // microseconds next to one reading nanoseconds): never one entry, never "stale" to each other.
    TierChunks.Loader loader = new TierChunks.Loader();
    ColumnChunkKey plain = key("a.parquet", "v1", 0, "c");
    ColumnChunkKey micros = new ColumnChunkKey(plain.file(), "v1", 0, "c", "int96=us");
    assertNotEquals(plain, micros);
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = Math.max(TierChunks.size(root, plain), TierChunks.size(root, micros));
      try (ChunkCache first = new ChunkCache(root, options(chunk + chunk / 2, 1 << 20))) {
        get(first, plain, loader);
        get(first, micros, loader); // demotes plain to disk: memory holds one chunk
        assertEquals(2, loader.loadedKeys());
        Path plainFile = first.diskFile(plain);
        assertNotNull(plainFile, "plain was demoted, not dropped as an older version");
        assertEquals(0, first.metrics().diskEvictions().get(EvictionCause.STALE));
        assertEquals(0, first.metrics().memoryEvictions().get(EvictionCause.STALE));
        assertEquals(plain, ChunkFiles.readKey(plainFile));
      }
      assertEquals(2, files(dir, ".arrow").size(), "close wrote the variant next to the plain one");
      try (ChunkCache second = new ChunkCache(root, options(4 * chunk, 1 << 20))) {
        second.reindexed().join();
        for (ColumnChunkKey key : List.of(plain, micros)) {
          Map<ColumnChunkKey, CachedChunk> refs = second.getAll(List.of(key), loader);
          try {
            // Each key's own data (TierChunks seeds values by the whole key, variant included).
            TierChunks.verify(root, key, refs.get(key).chunk());
          } finally {
            TestChunks.closeAll(refs);
          }
        }
        assertEquals(2, loader.loadedKeys(), "the restart loaded nothing again");
        assertEquals(2, second.metrics().diskHits());
      }
    }
  }

  @Test
  void closingKeepsWhatMemoryHeldOnDiskForTheNextStart() throws IOException {
    TierChunks.Loader loader = new TierChunks.Loader();
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long capacity = maxSize(root, ALL) * 8;
      try (ChunkCache first = new ChunkCache(root, options(capacity, 16 << 20))) {
        for (ColumnChunkKey key : ALL) {
          get(first, key, loader);
        }
        assertEquals(0, first.metrics().demotions(), "everything fits in memory");
        assertNull(first.diskFile(LONGS));
      }
      assertEquals(ALL.size(), files(dir, ".arrow").size(), "close wrote every chunk");
      try (ChunkCache second = new ChunkCache(root, options(capacity, 16 << 20))) {
        for (ColumnChunkKey key : ALL) {
          Map<ColumnChunkKey, CachedChunk> refs = second.getAll(List.of(key), loader);
          try {
            TierChunks.verify(root, key, refs.get(key).chunk());
          } finally {
            TestChunks.closeAll(refs);
          }
        }
        assertEquals(ALL.size(), loader.loadedKeys(), "the restart loaded nothing again");
        assertEquals(ALL.size(), second.metrics().diskHits());
      }
      assertEquals(ALL.size(), files(dir, ".arrow").size(), "promoted entries are not rewritten");
    }
  }

  @Test
  void theMappingIsReleasedWithTheLastReference() throws IOException {
    Path maps = Path.of("/proc/self/maps");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(maps), "needs /proc (Linux)");
    TierChunks.Loader loader = new TierChunks.Loader();
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TierChunks.size(root, LONGS);
      try (ChunkCache cache = new ChunkCache(root, options(chunk + chunk / 2, 1 << 20))) {
        get(cache, LONGS, loader);
        get(cache, key("b.parquet", "v1", 0, "c"), loader); // demotes LONGS
        Path file = cache.diskFile(LONGS);
        String name = file.getFileName().toString();
        Map<ColumnChunkKey, CachedChunk> refs = cache.getAll(List.of(LONGS), loader);
        assertTrue(Files.readString(maps).contains(name), "served from a mapping of the file");
        cache.invalidate(LONGS); // drops the cache's reference and deletes the file
        assertFalse(Files.exists(file));
        TierChunks.verify(root, LONGS, refs.get(LONGS).chunk()); // still readable: mapped
        TestChunks.closeAll(refs);
        assertFalse(Files.readString(maps).contains(name), "unmapped with the last reference");
      }
    }
  }

  @Test
  void aDiskHitThatCannotFitWithoutStreamThroughFailsWithoutLeaking() throws IOException {
    TierChunks.Loader loader = new TierChunks.Loader();
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TierChunks.size(root, LONGS);
      try (ChunkCache cache = new ChunkCache(root, options(chunk + chunk / 2, 1 << 20))) {
        get(cache, LONGS, loader);
        ColumnChunkKey other = key("b.parquet", "v1", 0, "c");
        get(cache, other, loader);
        Path file = cache.diskFile(LONGS);
        long before = cache.allocator().getAllocatedMemory();
        Map<ColumnChunkKey, CachedChunk> held = cache.getAll(List.of(other), loader);
        try {
          assertThrows(CacheCapacityException.class, () -> cache.getAll(List.of(LONGS), loader));
        } finally {
          TestChunks.closeAll(held);
        }
        assertEquals(before, cache.allocator().getAllocatedMemory(), "nothing left mapped");
        assertTrue(Files.exists(file), "a capacity failure is not a corruption");
        assertEquals(0, cache.metrics().diskEvictions().get(EvictionCause.CORRUPT));
        assertEquals(2, loader.loadedKeys());
        get(cache, LONGS, loader); // and it is served from disk once there is room
        assertEquals(2, loader.loadedKeys());
      }
    }
  }

  @Test
  void concurrentReadersSeeCorrectDataWhileEntriesMoveBetweenTiers() throws Exception {
    TierChunks.Loader loader = new TierChunks.Loader();
    List<ColumnChunkKey> keys = new java.util.ArrayList<>();
    for (int i = 0; i < 16; i++) {
      keys.add(key("f" + (i / 4) + ".parquet", "v1", i % 4, i % 3 == 0 ? "s" : "c"));
    }
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(4);
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long max = maxSize(root, keys);
      CacheOptions options =
          options(5 * max, 8 * max).withEvictionMargin(max).withStreamThrough(8 * max);
      try (ChunkCache cache = new ChunkCache(root, options)) {
        List<java.util.concurrent.Future<?>> futures = new java.util.ArrayList<>();
        for (int t = 0; t < 4; t++) {
          int seed = t;
          futures.add(
              pool.submit(
                  () -> {
                    java.util.Random random = new java.util.Random(seed);
                    for (int i = 0; i < 80; i++) {
                      ColumnChunkKey a = keys.get(random.nextInt(keys.size()));
                      ColumnChunkKey b = keys.get(random.nextInt(keys.size()));
                      Map<ColumnChunkKey, CachedChunk> refs = cache.getAll(List.of(a, b), loader);
                      try {
                        refs.forEach((k, ref) -> TierChunks.verify(root, k, ref.chunk()));
                      } finally {
                        TestChunks.closeAll(refs);
                      }
                    }
                    return null;
                  }));
        }
        for (java.util.concurrent.Future<?> future : futures) {
          future.get(60, java.util.concurrent.TimeUnit.SECONDS);
        }
        CacheMetrics metrics = cache.metrics();
        assertTrue(metrics.demotions() > 0, metrics.toString());
        assertTrue(metrics.diskHits() > 0, metrics.toString());
        assertEquals(metrics.diskEntries(), files(dir, ".arrow").size());
        assertTrue(files(dir, ".tmp").isEmpty());
        assertTrue(cache.diskUsedBytes().get(0) <= 8 * max);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
