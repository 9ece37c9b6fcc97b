package io.quiver.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.util.TransferPair;
import org.junit.jupiter.api.Test;

class ColumnChunkTest {

  @Test
  void sizeIsWhatTheAllocatorAccountsIncludingRounding() {
    try (RootAllocator root = new RootAllocator(16 << 20)) {
      ColumnChunkKey key = TestChunks.key(1);
      try (BufferAllocator allocator = root.newChildAllocator("t", 0, 1 << 20);
          ColumnChunk chunk = TestChunks.build(key, allocator, 100, 100)) {
        // 100 longs are 800 data bytes plus a 16-byte validity bitmap; Arrow allocates both in one
        // buffer rounded up to the next power of two.
        assertEquals(1024, chunk.sizeBytes());
        assertEquals(allocator.getAllocatedMemory(), chunk.sizeBytes());
        assertEquals(100, chunk.rowCount());
        TestChunks.verify(key, chunk, 100);
      }
      ColumnChunkKey textKey = TestChunks.textKey(1);
      try (BufferAllocator allocator = root.newChildAllocator("t", 0, 1 << 20);
          ColumnChunk chunk = TestChunks.build(textKey, allocator, 1000, 300)) {
        assertEquals(4, chunk.slices().size());
        assertEquals(1000, chunk.rowCount());
        assertEquals(allocator.getAllocatedMemory(), chunk.sizeBytes());
        TestChunks.verify(textKey, chunk, 1000);
      }
    }
  }

  @Test
  void slicesSharingOneBufferAreCountedOnce() {
    try (RootAllocator root = new RootAllocator(16 << 20);
        BufferAllocator allocator = root.newChildAllocator("t", 0, 1 << 20)) {
      List<FieldVector> slices = new ArrayList<>();
      try (BigIntVector whole = new BigIntVector("c", allocator)) {
        whole.allocateNew(1000);
        for (int i = 0; i < 1000; i++) {
          whole.set(i, i);
        }
        whole.setValueCount(1000);
        for (int start = 0; start < 1000; start += 512) {
          TransferPair pair = whole.getTransferPair(allocator);
          // Offsets are multiples of 8 rows, so validity and data are slices of the same buffer.
          pair.splitAndTransfer(start, Math.min(512, 1000 - start));
          slices.add((FieldVector) pair.getTo());
        }
      }
      try (ColumnChunk chunk = new ColumnChunk(slices)) {
        assertEquals(1000, chunk.rowCount());
        assertEquals(allocator.getAllocatedMemory(), chunk.sizeBytes());
        assertEquals(998L, ((BigIntVector) chunk.slices().get(1)).get(486));
      }
      assertEquals(0, allocator.getAllocatedMemory());
    }
  }

  @Test
  void closeReleasesTheVectorsOnceAndSlicesAreUnmodifiable() {
    try (RootAllocator root = new RootAllocator(16 << 20)) {
      ColumnChunk chunk = TestChunks.build(TestChunks.key(2), root, 50, 20);
      assertTrue(root.getAllocatedMemory() > 0);
      assertThrows(UnsupportedOperationException.class, () -> chunk.slices().clear());
      chunk.close();
      chunk.close();
      assertEquals(0, root.getAllocatedMemory());
    }
  }

  @Test
  void rejectsSlicesOfDifferentColumnsAndLeavesThemToTheCaller() {
    try (RootAllocator root = new RootAllocator(16 << 20);
        BigIntVector longs = new BigIntVector("a", root);
        VarCharVector strings = new VarCharVector("a", root)) {
      assertThrows(IllegalArgumentException.class, () -> new ColumnChunk(List.of(longs, strings)));
      try (ColumnChunk empty = new ColumnChunk(List.of())) {
        assertEquals(0, empty.rowCount());
        assertEquals(0, empty.sizeBytes());
      }
    }
  }

  @Test
  void keyValidatesItsComponents() {
    assertThrows(NullPointerException.class, () -> new ColumnChunkKey(null, "v", 0, "c"));
    assertThrows(IllegalArgumentException.class, () -> new ColumnChunkKey("f", "v", -1, "c"));
    assertEquals(new ColumnChunkKey("f", "v", 3, "c"), new ColumnChunkKey("f", "v", 3, "c"));
  }
}
