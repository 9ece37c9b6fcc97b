package io.quiver.format.orc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quiver.testing.Table;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.hadoop.hive.ql.exec.vector.ListColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.LongColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.StructColumnVector;
import org.apache.orc.TypeDescription;
import org.junit.jupiter.api.Test;

/**
 * Column vector shapes that orc-core's reader rarely produces but may (non-contiguous list
 * elements, repeating nested vectors), built by hand and converted in several appends.
 */
class ColumnConverterTest {
  private static List<Object> convert(
      TypeDescription type,
      List<org.apache.hadoop.hive.ql.exec.vector.ColumnVector> batches,
      int[] sizes,
      BufferAllocator allocator) {
    ColumnConverter converter = ColumnConverter.create(type);
    try (FieldVector vector = OrcSchemas.toArrowField("c", type).createVector(allocator)) {
      vector.setInitialCapacity(2);
      vector.allocateNew();
      int row = 0;
      for (int b = 0; b < batches.size(); b++) {
        converter.append(batches.get(b), 0, sizes[b], vector, row);
        row += sizes[b];
      }
      converter.finish(vector, row);
      List<Object> values = new java.util.ArrayList<>();
      for (int i = 0; i < row; i++) {
        values.add(vector.isNull(i) ? null : Table.normalize(vector.getObject(i)));
      }
      return values;
    }
  }

  private static LongColumnVector longs(long... values) {
    LongColumnVector v = new LongColumnVector(Math.max(values.length, 1));
    System.arraycopy(values, 0, v.vector, 0, values.length);
    return v;
  }

  @Test
  void nonContiguousAndRepeatingLists() {
    TypeDescription type = TypeDescription.fromString("array<bigint>");
    // Rows: [10, 11], [50], null, [12, 13] with elements out of order in the child.
    ListColumnVector scattered = new ListColumnVector(4, longs(10, 11, 12, 13, 0, 50));
    scattered.offsets = new long[] {0, 5, 0, 2};
    scattered.lengths = new long[] {2, 1, 0, 2};
    scattered.noNulls = false;
    scattered.isNull[2] = true;
    // Every row is [7, 8].
    ListColumnVector repeating = new ListColumnVector(3, longs(7, 8));
    repeating.isRepeating = true;
    repeating.offsets[0] = 0;
    repeating.lengths[0] = 2;
    try (BufferAllocator allocator = new RootAllocator()) {
      List<Object> values =
          convert(type, List.of(scattered, repeating), new int[] {4, 3}, allocator);
      assertEquals(
          Arrays.asList(
              List.of(10L, 11L),
              List.of(50L),
              null,
              List.of(12L, 13L),
              List.of(7L, 8L),
              List.of(7L, 8L),
              List.of(7L, 8L)),
          values);
    }
  }

  @Test
  void repeatingStructAndRepeatingNulls() {
    TypeDescription type = TypeDescription.fromString("struct<a:bigint,b:bigint>");
    StructColumnVector repeating = new StructColumnVector(3, longs(1), longs(2));
    repeating.isRepeating = true;
    StructColumnVector nulls = new StructColumnVector(2, longs(0, 0), longs(0, 0));
    nulls.isRepeating = true;
    nulls.noNulls = false;
    nulls.isNull[0] = true;
    nulls.fields[0].isRepeating = true;
    nulls.fields[0].noNulls = false;
    nulls.fields[0].isNull[0] = true;
    try (BufferAllocator allocator = new RootAllocator()) {
      List<Object> values = convert(type, List.of(repeating, nulls), new int[] {3, 2}, allocator);
      java.util.Map<String, Long> one = new java.util.LinkedHashMap<>();
      one.put("a", 1L);
      one.put("b", 2L);
      assertEquals(Arrays.asList(one, one, one, null, null), values);
    }
  }
}
