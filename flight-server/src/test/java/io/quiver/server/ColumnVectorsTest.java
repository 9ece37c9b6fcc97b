package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.junit.jupiter.api.Test;

/** The vectors a stream makes for partition, missing and widened columns; no leaks. */
class ColumnVectorsTest {
  private static final Field INT64 = Field.nullable("x", new ArrowType.Int(64, true));
  private static final Field DOUBLE =
      Field.nullable("x", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE));

  @Test
  void constantsRepeatTheValueInEveryRow() {
    try (BufferAllocator a = new RootAllocator()) {
      for (int rows : new int[] {0, 1, 7, 8, 9, 1000}) {
        try (BigIntVector v = (BigIntVector) ColumnVectors.constant(INT64, 2024L, rows, a)) {
          assertEquals(rows, v.getValueCount());
          assertEquals(0, v.getNullCount());
          for (int i = 0; i < rows; i++) {
            assertEquals(2024L, v.get(i));
          }
        }
        try (VarCharVector v =
            (VarCharVector)
                ColumnVectors.constant(
                    Field.nullable("s", ArrowType.Utf8.INSTANCE), "é/x", rows, a)) {
          assertEquals(rows, v.getValueCount());
          assertEquals(0, v.getNullCount());
          for (int i = 0; i < rows; i++) {
            assertEquals("é/x", v.getObject(i).toString());
          }
        }
        try (DateDayVector v =
            (DateDayVector)
                ColumnVectors.constant(
                    Field.nullable("d", new ArrowType.Date(DateUnit.DAY)), 19723L, rows, a)) {
          assertEquals(0, v.getNullCount());
          for (int i = 0; i < rows; i++) {
            assertEquals(19723, v.get(i));
          }
        }
        try (FieldVector v = ColumnVectors.constant(INT64, null, rows, a)) {
          assertEquals(rows, v.getNullCount(), "a null partition value is a null in every row");
        }
      }
      assertEquals(0, a.getAllocatedMemory());
    }
  }

  @Test
  void missingColumnsAreAllNullOfTheirType() {
    try (BufferAllocator a = new RootAllocator();
        FieldVector v =
            ColumnVectors.nulls(Field.nullable("s", ArrowType.Utf8.INSTANCE), 4097, a)) {
      assertTrue(v instanceof VarCharVector);
      assertEquals(4097, v.getValueCount());
      assertEquals(4097, v.getNullCount());
    }
  }

  @Test
  void wideningKeepsValuesAndNulls() {
    try (BufferAllocator a = new RootAllocator();
        IntVector ints = new IntVector("x", a);
        Float4Vector floats = new Float4Vector("x", a)) {
      ints.allocateNew(11);
      floats.allocateNew(11);
      for (int i = 0; i < 11; i++) {
        if (i % 4 == 3) {
          ints.setNull(i);
          floats.setNull(i);
        } else {
          ints.set(i, i == 0 ? Integer.MIN_VALUE : i * -1000);
          floats.set(i, i + 0.1f);
        }
      }
      ints.setValueCount(11);
      floats.setValueCount(11);
      try (BigIntVector wide = (BigIntVector) ColumnVectors.widen(ints, INT64, a);
          Float8Vector dbl = (Float8Vector) ColumnVectors.widen(floats, DOUBLE, a)) {
        assertEquals(ints.getNullCount(), wide.getNullCount());
        for (int i = 0; i < 11; i++) {
          assertEquals(ints.isNull(i), wide.isNull(i));
          assertEquals(floats.isNull(i), dbl.isNull(i));
          if (!ints.isNull(i)) {
            assertEquals((long) ints.get(i), wide.get(i));
            assertEquals((double) floats.get(i), dbl.get(i));
          }
        }
      }
      assertTrue(ColumnVectors.widens(new ArrowType.Int(32, true), new ArrowType.Int(64, true)));
      assertFalse(ColumnVectors.widens(new ArrowType.Int(64, true), new ArrowType.Int(32, true)));
      assertThrows(
          IllegalArgumentException.class,
          () -> ColumnVectors.widen(ints, Field.nullable("x", ArrowType.Utf8.INSTANCE), a));
    }
  }
}
