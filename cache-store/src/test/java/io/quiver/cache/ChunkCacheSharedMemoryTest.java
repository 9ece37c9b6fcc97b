package io.quiver.cache;

import static io.quiver.cache.TierChunks.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory tier in shared memory ({@link SharedMemory}): cached chunks are mapped files holding
 * the same values (readable by any Arrow reader), counted against the capacity at their size and
 * deleted when freed; a chunk that cannot be moved stays in ordinary memory and is still served.
 */
@Timeout(30)
class ChunkCacheSharedMemoryTest {
  @TempDir Path dir;

  private static ColumnChunkKey k(int rowGroup) {
    return key("a.parquet", "v1", rowGroup, "c");
  }

  private static long files(Path directory) throws IOException {
    try (Stream<Path> all = Files.list(directory)) {
      return all.filter(p -> p.toString().endsWith(".arrow")).count();
    }
  }

  @Test
  void cachedChunksAreMappedFilesBoundedByTheCapacityAndDeletedWhenFreed() throws Exception {
    TierChunks.Loader loader = new TierChunks.Loader();
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TierChunks.size(root, k(0));
      // Room for about three decoded chunks: loading more evicts.
      CacheOptions options =
          CacheOptions.of(3 * chunk).withSharedMemory(new SharedMemoryOptions(dir, null));
      Path directory;
      try (ChunkCache cache = new ChunkCache(root, options)) {
        directory = cache.sharedMemory().directory();
        assertEquals(
            "rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(directory)));
        for (int i = 0; i < 10; i++) {
          Map<ColumnChunkKey, CachedChunk> refs = cache.getAll(List.of(k(i)), loader);
          try {
            ColumnChunk c = refs.get(k(i)).chunk();
            Path file = c.file();
            assertNotNull(file, "a cached chunk lives in shared memory");
            assertEquals(directory, file.getParent());
            TierChunks.verify(root, k(i), c);
            // The file is an ordinary Arrow IPC file: Arrow's own reader sees the same slices.
            try (ArrowFileReader reader = new ArrowFileReader(Files.newByteChannel(file), root)) {
              assertEquals(c.slices().size(), reader.getRecordBlocks().size());
              reader.loadNextBatch();
              assertTrue(
                  c.slices().get(0).equals(reader.getVectorSchemaRoot().getVector(0))
                      || rangeEquals(c, reader),
                  "the first slice as Arrow reads it from the file");
            }
          } finally {
            TestChunks.closeAll(refs);
          }
          assertTrue(
              cache.allocator().getAllocatedMemory() <= 3 * chunk,
              "never above the capacity: " + cache.allocator().getAllocatedMemory());
          assertEquals(cache.stats().entries(), files(directory), "one file per cached chunk");
        }
        assertTrue(cache.stats().evictions() > 0);
        assertEquals(0, cache.sharedMemory().fallbacks());
        cache.invalidateAll(key -> true);
        assertEquals(0, files(directory), "freed chunks' files are deleted");
      }
      assertFalse(Files.exists(directory), "the directory goes with the cache");
    }
  }

  private static boolean rangeEquals(ColumnChunk c, ArrowFileReader reader) throws IOException {
    var expected = c.slices().get(0);
    var actual = reader.getVectorSchemaRoot().getVector(0);
    if (expected.getValueCount() != actual.getValueCount()) {
      return false;
    }
    for (int i = 0; i < expected.getValueCount(); i++) {
      if (!java.util.Objects.equals(expected.getObject(i), actual.getObject(i))) {
        return false;
      }
    }
    return true;
  }

  @Test
  void aChunkThatCannotBeMovedStaysInOrdinaryMemoryAndIsServed() throws Exception {
    TierChunks.Loader loader = new TierChunks.Loader();
    try (RootAllocator root = new RootAllocator(64 << 20)) {
      long chunk = TierChunks.size(root, k(0));
      // Room for the decoded chunk but not for its mapping beside it (both are counted while it
      // moves), and nothing to evict: the move is refused.
      try (ChunkCache cache =
          new ChunkCache(
              root,
              CacheOptions.of(chunk + chunk / 4)
                  .withSharedMemory(new SharedMemoryOptions(dir, null)))) {
        Map<ColumnChunkKey, CachedChunk> refs = cache.getAll(List.of(k(0)), loader);
        try {
          ColumnChunk c = refs.get(k(0)).chunk();
          assertNull(c.file());
          TierChunks.verify(root, k(0), c);
        } finally {
          TestChunks.closeAll(refs);
        }
        assertEquals(1, cache.sharedMemory().fallbacks());
        assertEquals(1, cache.stats().entries(), "still cached");
        assertEquals(0, files(cache.sharedMemory().directory()), "the refused file is removed");
        assertTrue(cache.allocator().getAllocatedMemory() <= chunk + chunk / 4);
      }
    }
  }

  @Test
  void directoriesNobodyLocksAreSweptAndLiveOnesKept() throws Exception {
    Path stale = Files.createDirectories(dir.resolve("quiver-0123456789abcdef"));
    Files.createFile(stale.resolve(".lock"));
    Files.write(stale.resolve("7.arrow"), new byte[4096]);
    Path unrelated = Files.createDirectories(dir.resolve("quiver-no-lock"));
    try (RootAllocator root = new RootAllocator(64 << 20);
        ChunkCache first =
            new ChunkCache(
                root,
                CacheOptions.of(1 << 20).withSharedMemory(new SharedMemoryOptions(dir, null)))) {
      assertFalse(Files.exists(stale));
      assertTrue(Files.exists(unrelated), "a directory without a lock file is not Quiver's");
      try (ChunkCache second =
          new ChunkCache(
              root,
              CacheOptions.of(1 << 20).withSharedMemory(new SharedMemoryOptions(dir, null)))) {
        assertTrue(Files.exists(first.sharedMemory().directory()), "a running cache's is kept");
        assertFalse(first.sharedMemory().directory().equals(second.sharedMemory().directory()));
        assertFalse(first.sharedMemory().token().equals(second.sharedMemory().token()));
      }
    }
  }
}
