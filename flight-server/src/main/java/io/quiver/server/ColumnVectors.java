package io.quiver.server;

import java.nio.charset.StandardCharsets;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;

/**
 * The vectors a stream makes for columns a file does not hold as the table does: a column the file
 * lacks (all nulls), a partition column (one value repeated) and a column the file holds narrower
 * (int32 read as int64, float as double). Each is filled a buffer at a time, without boxing values.
 *
 * <p>Ownership: every returned vector is new, allocated in the given allocator and owned by the
 * caller, who closes it. Stateless and thread-safe.
 */
final class ColumnVectors {
  private ColumnVectors() {}

  /** Whether a file column of type {@code from} is read as {@code to} by {@link #widen}. */
  static boolean widens(ArrowType from, ArrowType to) {
    if (from instanceof ArrowType.Int f && to instanceof ArrowType.Int t) {
      return f.getIsSigned() && t.getIsSigned() && f.getBitWidth() == 32 && t.getBitWidth() == 64;
    }
    return from instanceof ArrowType.FloatingPoint f
        && to instanceof ArrowType.FloatingPoint t
        && f.getPrecision() == FloatingPointPrecision.SINGLE
        && t.getPrecision() == FloatingPointPrecision.DOUBLE;
  }

  /** {@code rows} nulls of {@code field}'s type. */
  static FieldVector nulls(Field field, int rows, BufferAllocator allocator) {
    FieldVector v = field.createVector(allocator);
    try {
      v.setInitialCapacity(Math.max(rows, 1));
      v.allocateNew(); // validity buffers start zeroed: every slot null
      v.setValueCount(rows);
      return v;
    } catch (RuntimeException e) {
      v.close();
      throw e;
    }
  }

  /**
   * {@code rows} copies of {@code value} ({@link Long} for int64 and date (days), {@link String}),
   * or nulls if it is null.
   *
   * @throws IllegalArgumentException if the field is not int64, date (day) or utf8
   */
  static FieldVector constant(Field field, Object value, int rows, BufferAllocator allocator) {
    if (value == null) {
      return nulls(field, rows, allocator);
    }
    FieldVector made = field.createVector(allocator);
    try {
      if (made instanceof BigIntVector v) {
        long x = (Long) value;
        v.allocateNew(Math.max(rows, 1));
        ArrowBuf data = v.getDataBuffer();
        for (int i = 0; i < rows; i++) {
          data.setLong((long) i * Long.BYTES, x);
        }
      } else if (made instanceof DateDayVector v) {
        int x = Math.toIntExact((Long) value);
        v.allocateNew(Math.max(rows, 1));
        ArrowBuf data = v.getDataBuffer();
        for (int i = 0; i < rows; i++) {
          data.setInt((long) i * Integer.BYTES, x);
        }
      } else if (made instanceof VarCharVector v) {
        byte[] bytes = value.toString().getBytes(StandardCharsets.UTF_8);
        v.allocateNew(Math.max(1L, (long) bytes.length * rows), Math.max(rows, 1));
        ArrowBuf offsets = v.getOffsetBuffer();
        ArrowBuf data = v.getDataBuffer();
        for (int i = 0; i < rows; i++) {
          data.setBytes((long) i * bytes.length, bytes);
          offsets.setInt((long) (i + 1) * Integer.BYTES, (i + 1) * bytes.length);
        }
        v.setLastSet(rows - 1);
      } else {
        throw new IllegalArgumentException(
            "Partition column '" + field.getName() + "' has unsupported type " + field.getType());
      }
      setAllValid(made.getValidityBuffer(), rows);
      made.setValueCount(rows);
      return made;
    } catch (RuntimeException e) {
      made.close();
      throw e;
    }
  }

  /**
   * {@code source} (int32 or float) widened to {@code target}'s type (int64 or double), nulls kept.
   *
   * @throws IllegalArgumentException unless {@link #widens} holds for the two types
   */
  static FieldVector widen(FieldVector source, Field target, BufferAllocator allocator) {
    int rows = source.getValueCount();
    FieldVector made = target.createVector(allocator);
    try {
      if (source instanceof IntVector from && made instanceof BigIntVector to) {
        to.allocateNew(Math.max(rows, 1));
        ArrowBuf in = from.getDataBuffer();
        ArrowBuf out = to.getDataBuffer();
        for (int i = 0; i < rows; i++) {
          out.setLong((long) i * Long.BYTES, in.getInt((long) i * Integer.BYTES));
        }
      } else if (source instanceof Float4Vector from && made instanceof Float8Vector to) {
        to.allocateNew(Math.max(rows, 1));
        ArrowBuf in = from.getDataBuffer();
        ArrowBuf out = to.getDataBuffer();
        for (int i = 0; i < rows; i++) {
          out.setDouble((long) i * Double.BYTES, in.getFloat((long) i * Float.BYTES));
        }
      } else {
        throw new IllegalArgumentException(
            "Column '"
                + target.getName()
                + "' cannot be widened from "
                + source.getField().getType()
                + " to "
                + target.getType());
      }
      copyValidity(source, made.getValidityBuffer(), rows);
      made.setValueCount(rows);
      return made;
    } catch (RuntimeException e) {
      made.close();
      throw e;
    }
  }

  private static void setAllValid(ArrowBuf validity, int rows) {
    int full = rows / 8;
    validity.setOne(0, full);
    for (int i = full * 8; i < rows; i++) {
      validity.setByte(i >>> 3, validity.getByte(i >>> 3) | (1 << (i & 7)));
    }
  }

  private static void copyValidity(FieldVector source, ArrowBuf validity, int rows) {
    if (source.getNullCount() == 0) {
      setAllValid(validity, rows);
      return;
    }
    long bytes = (rows + 7L) / 8;
    ArrowBuf in = source.getValidityBuffer();
    if (in.capacity() >= bytes) {
      validity.setBytes(0, in, 0, bytes);
    } else {
      for (int i = 0; i < rows; i++) {
        if (!source.isNull(i)) {
          validity.setByte(i >>> 3, validity.getByte(i >>> 3) | (1 << (i & 7)));
        }
      }
    }
  }
}
