package io.quiver.format.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

/**
 * Re-slicing when incoming batches do not have {@code batchRows} rows (Arrow C++ normally delivers
 * exact batches, so the decoder tests rarely reach this path): slices of exactly {@code batchRows}
 * rows, values in order, nulls kept, each slice owning its buffers in the target allocator.
 */
class BatchSlicerTest {
  private static final Field ID =
      new Field("id", FieldType.nullable(new ArrowType.Int(64, true)), null);
  private static final Field TEXT =
      new Field("text", FieldType.notNullable(ArrowType.Utf8.INSTANCE), null);

  @Test
  void cutsBatchesOfAnySizeIntoExactSlices() {
    int[] batchSizes = {5, 17, 3, 8, 1, 30, 9};
    int total = 0;
    for (int n : batchSizes) {
      total += n;
    }
    try (BufferAllocator root = new RootAllocator();
        BufferAllocator source = root.newChildAllocator("source", 0, Long.MAX_VALUE);
        BufferAllocator target = root.newChildAllocator("target", 0, Long.MAX_VALUE)) {
      Map<String, List<FieldVector>> result;
      try (BatchSlicer slicer = new BatchSlicer(List.of(TEXT, ID), source, target, 8)) {
        int row = 0;
        for (int n : batchSizes) {
          try (VectorSchemaRoot batch =
              VectorSchemaRoot.create(new Schema(List.of(ID, TEXT)), source)) {
            BigIntVector ids = (BigIntVector) batch.getVector("id");
            VarCharVector texts = (VarCharVector) batch.getVector("text");
            for (int i = 0; i < n; i++, row++) {
              if (row % 7 == 3) {
                ids.setNull(i);
              } else {
                ids.setSafe(i, row * 1000L);
              }
              texts.setSafe(i, ("v" + row).getBytes(StandardCharsets.UTF_8));
            }
            batch.setRowCount(n);
            slicer.accept(batch);
          }
        }
        result = slicer.take();
      }
      // Only the slices remain, all in the target allocator.
      assertEquals(0, source.getAllocatedMemory());
      try {
        assertEquals(List.of("text", "id"), List.copyOf(result.keySet()));
        List<FieldVector> ids = result.get("id");
        List<FieldVector> texts = result.get("text");
        assertEquals((total + 7) / 8, ids.size());
        int row = 0;
        for (int s = 0; s < ids.size(); s++) {
          BigIntVector id = (BigIntVector) ids.get(s);
          VarCharVector text = (VarCharVector) texts.get(s);
          assertEquals(Math.min(8, total - s * 8), id.getValueCount());
          assertEquals(id.getValueCount(), text.getValueCount());
          assertEquals(ID, id.getField());
          assertEquals(TEXT, text.getField());
          for (int i = 0; i < id.getValueCount(); i++, row++) {
            if (row % 7 == 3) {
              assertNull(id.getObject(i));
            } else {
              assertEquals(row * 1000L, id.get(i));
            }
            assertEquals("v" + row, text.getObject(i).toString());
          }
        }
        assertEquals(total, row);
      } finally {
        result.values().forEach(slices -> slices.forEach(FieldVector::close));
      }
    }
  }

  @Test
  void closeReleasesWhatWasNotTaken() {
    try (BufferAllocator root = new RootAllocator();
        BufferAllocator target = root.newChildAllocator("target", 0, Long.MAX_VALUE)) {
      try (BatchSlicer slicer = new BatchSlicer(List.of(ID), root, target, 8);
          VectorSchemaRoot batch = VectorSchemaRoot.create(new Schema(List.of(ID)), root)) {
        BigIntVector ids = (BigIntVector) batch.getVector("id");
        for (int i = 0; i < 20; i++) {
          ids.setSafe(i, i);
        }
        batch.setRowCount(20);
        slicer.accept(batch);
      }
      assertEquals(0, target.getAllocatedMemory());
    }
  }
}
