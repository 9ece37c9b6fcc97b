package io.quiver.cache;

import static io.quiver.cache.TestChunks.closeAll;
import static io.quiver.cache.TestChunks.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recording the cache's requests: {@link ChunkCache#recordAccesses} and {@link AccessTraceFile}.
 */
class AccessTraceFileTest {
  private static final int ROWS = 256;
  private static final int SLICE_ROWS = 128;

  @Test
  void everyReturnedKeyIsWrittenWithItsSizeUnderAnIdInOrderOfFirstUse(@TempDir Path dir)
      throws IOException {
    Path file = dir.resolve("trace.tsv");
    TestChunks.RecordingLoader loader = new TestChunks.RecordingLoader(ROWS, SLICE_ROWS);
    try (RootAllocator root = new RootAllocator(64 << 20);
        ChunkCache cache = new ChunkCache(root, CacheOptions.of(32 << 20));
        AccessTraceFile trace = AccessTraceFile.create(file)) {
      long size = TestChunks.chunkSize(root, key(0), ROWS, SLICE_ROWS);
      closeAll(cache.getAll(List.of(key(7)), loader)); // not recorded yet
      cache.recordAccesses(trace);
      closeAll(cache.getAll(List.of(key(3), key(5)), loader)); // loads
      closeAll(cache.getAll(List.of(key(3), key(7)), loader)); // hits
      cache.recordAccesses(null);
      closeAll(cache.getAll(List.of(key(5)), loader)); // not recorded any more
      List<String> lines = Files.readAllLines(file);
      assertEquals(
          List.of(lines.get(0), "0\t" + size, "1\t" + size, "0\t" + size, "2\t" + size), lines);
      assertEquals('#', lines.get(0).charAt(0)); // then only ids and sizes: no file names
    }
  }

  @Test
  void aFailingRecorderFailsTheCallWithoutLeakingReferences() throws IOException {
    TestChunks.RecordingLoader loader = new TestChunks.RecordingLoader(ROWS, SLICE_ROWS);
    try (RootAllocator root = new RootAllocator(64 << 20);
        ChunkCache cache = new ChunkCache(root, CacheOptions.of(32 << 20))) {
      cache.recordAccesses(
          (key, size) -> {
            throw new IllegalStateException("recorder broke");
          });
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class, () -> cache.getAll(List.of(key(1), key(2)), loader));
      assertEquals("recorder broke", e.getMessage());
      cache.recordAccesses(null);
      // The chunks stay cached and unreferenced: a full free releases everything.
      closeAll(cache.getAll(List.of(key(1)), loader));
      assertEquals(2, cache.stats().entries());
      cache.invalidateAll(k -> true);
      assertEquals(0, cache.allocator().getAllocatedMemory());
    }
  }
}
