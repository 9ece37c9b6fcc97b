package io.quiver.bench.alluxio;

import java.nio.ByteBuffer;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.DecimalLogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;

/**
 * Decodes one flat Parquet column into an Arrow vector through parquet-java's column API, a batch
 * of rows at a time.
 *
 * <p>Covers the types of TPC-H lineitem and their close relatives: INT32 (plain, DATE, DECIMAL),
 * INT64 (plain, DECIMAL), FLOAT, DOUBLE, BOOLEAN, BINARY (STRING/ENUM/JSON as UTF-8, DECIMAL, raw
 * bytes) and FIXED_LEN_BYTE_ARRAY (DECIMAL, raw bytes); optional columns become nullable. Anything
 * else (repeated or nested columns, timestamps, INT96, unsigned or narrow integers, decimals wider
 * than 38 digits) is rejected when the converter is built, with the file and column named.
 *
 * <p>Not thread-safe; one instance per column per reading thread. The vector passed to {@link
 * #fill} is owned by the caller, who must close it.
 */
abstract class ColumnToArrow {

  private final String columnName;
  private final Field field;
  private final int maxDefinitionLevel;

  private ColumnToArrow(ColumnDescriptor descriptor, ArrowType type) {
    this.columnName = String.join(".", descriptor.getPath());
    this.maxDefinitionLevel = descriptor.getMaxDefinitionLevel();
    this.field =
        new Field(
            columnName,
            new FieldType(maxDefinitionLevel > 0, type, /* dictionary= */ null),
            /* children= */ null);
  }

  /**
   * Picks the converter for a column.
   *
   * @param file the file being read, for error messages only
   * @throws IllegalArgumentException if the column is nested/repeated or its type is not covered
   */
  static ColumnToArrow forColumn(String file, ColumnDescriptor descriptor) {
    String column = String.join(".", descriptor.getPath());
    if (descriptor.getMaxRepetitionLevel() > 0 || descriptor.getPath().length != 1) {
      throw new IllegalArgumentException(
          "file " + file + " column " + column + ": nested or repeated columns are not supported");
    }
    PrimitiveType type = descriptor.getPrimitiveType();
    LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
    switch (type.getPrimitiveTypeName()) {
      case INT32:
        if (logical == null) {
          return new Int32(descriptor);
        }
        if (logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation) {
          return new Date32(descriptor);
        }
        if (logical instanceof DecimalLogicalTypeAnnotation decimal) {
          return new IntDecimal(descriptor, decimalType(file, column, decimal));
        }
        if (logical instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation i
            && i.isSigned()
            && i.getBitWidth() == 32) {
          return new Int32(descriptor);
        }
        break;
      case INT64:
        if (logical == null) {
          return new Int64(descriptor);
        }
        if (logical instanceof DecimalLogicalTypeAnnotation decimal) {
          return new IntDecimal(descriptor, decimalType(file, column, decimal));
        }
        if (logical instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation i
            && i.isSigned()
            && i.getBitWidth() == 64) {
          return new Int64(descriptor);
        }
        break;
      case FLOAT:
        return new Float32(descriptor);
      case DOUBLE:
        return new Float64(descriptor);
      case BOOLEAN:
        return new Bool(descriptor);
      case BINARY:
        if (logical == null) {
          return new Bytes(descriptor, ArrowType.Binary.INSTANCE);
        }
        if (logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
            || logical instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation
            || logical instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation) {
          return new Bytes(descriptor, ArrowType.Utf8.INSTANCE);
        }
        if (logical instanceof DecimalLogicalTypeAnnotation decimal) {
          return new BytesDecimal(descriptor, decimalType(file, column, decimal));
        }
        break;
      case FIXED_LEN_BYTE_ARRAY:
        if (logical == null) {
          return new FixedBytes(descriptor, type.getTypeLength());
        }
        if (logical instanceof DecimalLogicalTypeAnnotation decimal) {
          if (type.getTypeLength() > 16) {
            throw unsupported(file, column, type);
          }
          return new BytesDecimal(descriptor, decimalType(file, column, decimal));
        }
        break;
      default:
        break;
    }
    throw unsupported(file, column, type);
  }

  private static ArrowType.Decimal decimalType(
      String file, String column, DecimalLogicalTypeAnnotation decimal) {
    if (decimal.getPrecision() > 38) {
      throw new IllegalArgumentException(
          "file "
              + file
              + " column "
              + column
              + ": DECIMAL("
              + decimal.getPrecision()
              + ") is wider than the 38 digits this reader decodes");
    }
    return new ArrowType.Decimal(decimal.getPrecision(), decimal.getScale(), 128);
  }

  private static IllegalArgumentException unsupported(
      String file, String column, PrimitiveType type) {
    return new IllegalArgumentException(
        "file " + file + " column " + column + ": Parquet type " + type + " is not supported");
  }

  /** The Arrow field this column decodes to (nullable when the Parquet column is optional). */
  final Field field() {
    return field;
  }

  final String columnName() {
    return columnName;
  }

  /**
   * Decodes the next {@code rows} values of {@code reader} into {@code vector}, which must have
   * been created from {@link #field()}; allocates its buffers and sets its value count.
   */
  abstract void fill(ColumnReader reader, FieldVector vector, int rows);

  /** True when the reader's current value is null (only possible for optional columns). */
  final boolean isNull(ColumnReader reader) {
    return maxDefinitionLevel > 0 && reader.getCurrentDefinitionLevel() < maxDefinitionLevel;
  }

  private static final class Int32 extends ColumnToArrow {
    Int32(ColumnDescriptor d) {
      super(d, new ArrowType.Int(32, true));
    }

    @Override
    void fill(ColumnReader reader, FieldVector vector, int rows) {
      IntVector v = (IntVector) vector;
      v.allocateNew(rows);
      for (int i = 0; i < rows; i++) {
        if (!isNull(reader)) {
          v.set(i, reader.getInteger());
        }
        reader.consume();
      }
      v.setValueCount(rows);
    }
  }

  private static final class Date32 extends ColumnToArrow {
    Date32(ColumnDescriptor d) {
      super(d, new ArrowType.Date(DateUnit.DAY));
    }

    @Override
    void fill(ColumnReader reader, FieldVector vector, int rows) {
      DateDayVector v = (DateDayVector) vector;
      v.allocateNew(rows);
      for (int i = 0; i < rows; i++) {
        if (!isNull(reader)) {
          v.set(i, reader.getInteger());
        }
        reader.consume();
      }
      v.setValueCount(rows);
    }
  }

  private static final class Int64 extends ColumnToArrow {
    Int64(ColumnDescriptor d) {
      super(d, new ArrowType.Int(64, true));
    }

    @Override
    void fill(ColumnReader reader, FieldVector vector, int rows) {
      BigIntVector v = (BigIntVector) vector;
      v.allocateNew(rows);
      for (int i = 0; i < rows; i++) {
        if (!isNull(reader)) {
          v.set(i, reader.getLong());
        }
        reader.consume();
      }
      v.setValueCount(rows);
    }
  }

  /** DECIMAL stored as INT32 or INT64: the integer is the unscaled value. */
  private static final class IntDecimal extends ColumnToArrow {
    private final boolean int32;

    IntDecimal(ColumnDescriptor d, ArrowType.Decimal type) {
      super(d, type);
      this.int32 =
          d.getPrimitiveType().getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.INT32;
    }

    @Override
    void fill(ColumnReader reader, FieldVector vector, int rows) {
      DecimalVector v = (DecimalVector) vector;
      v.allocateNew(rows);
      for (int i = 0; i < rows; i++) {
        if (!isNull(reader)) {
          v.set(i, int32 ? reader.getInteger() : reader.getLong());
        }
        reader.consume();
      }
      v.setValueCount(rows);
    }
  }

  /** DECIMAL stored as BINARY or FIXED_LEN_BYTE_ARRAY: big-endian two's complement. */
  private static final class BytesDecimal extends ColumnToArrow {
    BytesDecimal(ColumnDescriptor d, ArrowType.Decimal type) {
      super(d, type);
    }

    @Override
    void fill(ColumnReader reader, FieldVector vector, int rows) {
      DecimalVector v = (DecimalVector) vector;
      v.allocateNew(rows);
      for (int i = 0; i < rows; i++) {
        if (!isNull(reader)) {
          Binary b = reader.getBinary();
          if (b.length() > 16) {
            throw new IllegalArgumentException(
                "column " + columnName() + ": decimal value of " + b.length() + " bytes");
          }
          v.setBigEndian(i, b.getBytesUnsafe());
        }
        reader.consume();
      }
      v.setValueCount(rows);
    }
  }

  private static final class Float32 extends ColumnToArrow {
    Float32(ColumnDescriptor d) {
      super(d, new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE));
    }

    @Override
    void fill(ColumnReader reader, FieldVector vector, int rows) {
      Float4Vector v = (Float4Vector) vector;
      v.allocateNew(rows);
      for (int i = 0; i < rows; i++) {
        if (!isNull(reader)) {
          v.set(i, reader.getFloat());
        }
        reader.consume();
      }
      v.setValueCount(rows);
    }
  }

  private static final class Float64 extends ColumnToArrow {
    Float64(ColumnDescriptor d) {
      super(d, new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE));
    }

    @Override
    void fill(ColumnReader reader, FieldVector vector, int rows) {
      Float8Vector v = (Float8Vector) vector;
      v.allocateNew(rows);
      for (int i = 0; i < rows; i++) {
        if (!isNull(reader)) {
          v.set(i, reader.getDouble());
        }
        reader.consume();
      }
      v.setValueCount(rows);
    }
  }

  private static final class Bool extends ColumnToArrow {
    Bool(ColumnDescriptor d) {
      super(d, ArrowType.Bool.INSTANCE);
    }

    @Override
    void fill(ColumnReader reader, FieldVector vector, int rows) {
      BitVector v = (BitVector) vector;
      v.allocateNew(rows);
      for (int i = 0; i < rows; i++) {
        if (!isNull(reader)) {
          v.set(i, reader.getBoolean() ? 1 : 0);
        }
        reader.consume();
      }
      v.setValueCount(rows);
    }
  }

  /** BINARY as Arrow Utf8 (string annotations) or Binary; both are variable-width vectors. */
  private static final class Bytes extends ColumnToArrow {
    private final boolean utf8;

    Bytes(ColumnDescriptor d, ArrowType type) {
      super(d, type);
      this.utf8 = type instanceof ArrowType.Utf8;
    }

    @Override
    void fill(ColumnReader reader, FieldVector vector, int rows) {
      // Start at 16 bytes a value; setSafe grows the data buffer when strings are longer.
      if (utf8) {
        VarCharVector v = (VarCharVector) vector;
        v.allocateNew(16L * rows, rows);
        for (int i = 0; i < rows; i++) {
          if (isNull(reader)) {
            v.setNull(i);
          } else {
            ByteBuffer bb = reader.getBinary().toByteBuffer();
            v.setSafe(i, bb, bb.position(), bb.remaining());
          }
          reader.consume();
        }
        v.setValueCount(rows);
      } else {
        VarBinaryVector v = (VarBinaryVector) vector;
        v.allocateNew(16L * rows, rows);
        for (int i = 0; i < rows; i++) {
          if (isNull(reader)) {
            v.setNull(i);
          } else {
            ByteBuffer bb = reader.getBinary().toByteBuffer();
            v.setSafe(i, bb, bb.position(), bb.remaining());
          }
          reader.consume();
        }
        v.setValueCount(rows);
      }
    }
  }

  private static final class FixedBytes extends ColumnToArrow {
    FixedBytes(ColumnDescriptor d, int width) {
      super(d, new ArrowType.FixedSizeBinary(width));
    }

    @Override
    void fill(ColumnReader reader, FieldVector vector, int rows) {
      FixedSizeBinaryVector v = (FixedSizeBinaryVector) vector;
      v.allocateNew(rows);
      for (int i = 0; i < rows; i++) {
        if (!isNull(reader)) {
          v.set(i, reader.getBinary().getBytesUnsafe());
        }
        reader.consume();
      }
      v.setValueCount(rows);
    }
  }
}
