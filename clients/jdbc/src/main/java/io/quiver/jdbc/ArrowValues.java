package io.quiver.jdbc;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DateMilliVector;
import org.apache.arrow.vector.Decimal256Vector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.Float2Vector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.LargeVarBinaryVector;
import org.apache.arrow.vector.LargeVarCharVector;
import org.apache.arrow.vector.TimeMicroVector;
import org.apache.arrow.vector.TimeMilliVector;
import org.apache.arrow.vector.TimeNanoVector;
import org.apache.arrow.vector.TimeSecVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.UInt1Vector;
import org.apache.arrow.vector.UInt2Vector;
import org.apache.arrow.vector.UInt4Vector;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.LargeListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.calcite.avatica.util.ByteString;

/**
 * Reads Arrow vectors as the Java values Calcite's runtime holds for each SQL type of {@link
 * io.quiver.sql.ArrowTypes}: TINYINT/SMALLINT/INTEGER/BIGINT as {@code Byte/Short/Integer/Long},
 * REAL/DOUBLE as {@code Float/Double}, DECIMAL as {@link BigDecimal}, VARCHAR as {@link String},
 * VARBINARY as {@link ByteString}, BOOLEAN as {@link Boolean}, DATE as {@code Integer} days since
 * the epoch, TIME as {@code Integer} milliseconds of the day, TIMESTAMP (with or without local time
 * zone) as {@code Long} milliseconds since the epoch (finer units are truncated towards the past),
 * ARRAY as {@link List}, MAP as {@link Map}, ROW as {@code Object[]}; anything else (ANY) as the
 * vector's {@code getObject}. A null slot is {@code null}.
 *
 * <p>Stateless; a {@link Column} reads the vector it was made for and is not thread-safe beyond
 * what the vector is.
 */
final class ArrowValues {
  private ArrowValues() {}

  /** One column of a batch, read row by row. */
  @FunctionalInterface
  interface Column {
    Object get(int row);
  }

  private static final long MILLIS_PER_DAY = 86_400_000L;

  /** A reader of {@code vector} (which it borrows: the caller keeps ownership). */
  static Column column(ValueVector vector) {
    Column values = values(vector);
    return row -> vector.isNull(row) ? null : values.get(row);
  }

  /** Reads non-null slots. */
  private static Column values(ValueVector vector) {
    ArrowType type = vector.getField().getType();
    if (type instanceof ArrowType.Int i) {
      return integer(vector, i);
    }
    if (type instanceof ArrowType.FloatingPoint f) {
      if (f.getPrecision() == FloatingPointPrecision.DOUBLE) {
        Float8Vector v = (Float8Vector) vector;
        return v::get;
      }
      if (f.getPrecision() == FloatingPointPrecision.SINGLE) {
        Float4Vector v = (Float4Vector) vector;
        return v::get;
      }
      Float2Vector v = (Float2Vector) vector;
      return v::getValueAsFloat;
    }
    if (type instanceof ArrowType.Decimal) {
      if (vector instanceof DecimalVector v) {
        return v::getObject;
      }
      Decimal256Vector v = (Decimal256Vector) vector;
      return v::getObject;
    }
    if (type instanceof ArrowType.Utf8) {
      VarCharVector v = (VarCharVector) vector;
      return row -> new String(v.get(row), StandardCharsets.UTF_8);
    }
    if (type instanceof ArrowType.LargeUtf8) {
      LargeVarCharVector v = (LargeVarCharVector) vector;
      return row -> new String(v.get(row), StandardCharsets.UTF_8);
    }
    if (type instanceof ArrowType.Binary) {
      VarBinaryVector v = (VarBinaryVector) vector;
      return row -> new ByteString(v.get(row));
    }
    if (type instanceof ArrowType.LargeBinary) {
      LargeVarBinaryVector v = (LargeVarBinaryVector) vector;
      return row -> new ByteString(v.get(row));
    }
    if (type instanceof ArrowType.FixedSizeBinary) {
      FixedSizeBinaryVector v = (FixedSizeBinaryVector) vector;
      return row -> new ByteString(v.get(row));
    }
    if (type instanceof ArrowType.Bool) {
      BitVector v = (BitVector) vector;
      return row -> v.get(row) != 0;
    }
    if (type instanceof ArrowType.Date) {
      if (vector instanceof DateDayVector v) {
        return v::get;
      }
      DateMilliVector v = (DateMilliVector) vector;
      return row -> (int) Math.floorDiv(v.get(row), MILLIS_PER_DAY);
    }
    if (type instanceof ArrowType.Time) {
      return time(vector);
    }
    if (type instanceof ArrowType.Timestamp ts) {
      TimeStampVector v = (TimeStampVector) vector;
      return switch (ts.getUnit()) {
        case SECOND -> row -> v.get(row) * 1000L;
        case MILLISECOND -> v::get;
        case MICROSECOND -> row -> Math.floorDiv(v.get(row), 1000L);
        case NANOSECOND -> row -> Math.floorDiv(v.get(row), 1_000_000L);
      };
    }
    if (vector instanceof MapVector map) {
      return map(map);
    }
    if (vector instanceof ListVector list) {
      Column element = column(list.getDataVector());
      return row -> elements(element, list.getElementStartIndex(row), list.getElementEndIndex(row));
    }
    if (vector instanceof LargeListVector list) {
      Column element = column(list.getDataVector());
      return row ->
          elements(
              element,
              Math.toIntExact(list.getElementStartIndex(row)),
              Math.toIntExact(list.getElementEndIndex(row)));
    }
    if (vector instanceof FixedSizeListVector list) {
      Column element = column(list.getDataVector());
      int size = list.getListSize();
      return row -> elements(element, row * size, (row + 1) * size);
    }
    if (vector instanceof StructVector struct) {
      List<Column> children = new ArrayList<>();
      for (FieldVector child : struct.getChildrenFromFields()) {
        children.add(column(child));
      }
      return row -> {
        Object[] values = new Object[children.size()];
        for (int i = 0; i < values.length; i++) {
          values[i] = children.get(i).get(row);
        }
        return values;
      };
    }
    return vector::getObject;
  }

  private static Column integer(ValueVector vector, ArrowType.Int type) {
    if (!type.getIsSigned()) {
      if (vector instanceof UInt1Vector v) {
        return row -> (short) Byte.toUnsignedInt(v.get(row));
      }
      if (vector instanceof UInt2Vector v) {
        return row -> (int) v.get(row);
      }
      if (vector instanceof UInt4Vector v) {
        return row -> Integer.toUnsignedLong(v.get(row));
      }
      UInt8Vector v = (UInt8Vector) vector;
      return row -> new BigDecimal(new BigInteger(Long.toUnsignedString(v.get(row))));
    }
    BaseIntVector v = (BaseIntVector) vector;
    return switch (type.getBitWidth()) {
      case 8 -> row -> (byte) v.getValueAsLong(row);
      case 16 -> row -> (short) v.getValueAsLong(row);
      case 32 -> row -> (int) v.getValueAsLong(row);
      default -> v::getValueAsLong;
    };
  }

  private static Column time(ValueVector vector) {
    if (vector instanceof TimeSecVector v) {
      return row -> v.get(row) * 1000;
    }
    if (vector instanceof TimeMilliVector v) {
      return v::get;
    }
    if (vector instanceof TimeMicroVector v) {
      return row -> (int) (v.get(row) / 1000L);
    }
    TimeNanoVector v = (TimeNanoVector) vector;
    return row -> (int) (v.get(row) / 1_000_000L);
  }

  private static Column map(MapVector map) {
    StructVector entries = (StructVector) map.getDataVector();
    List<FieldVector> kv = entries.getChildrenFromFields();
    Column key = column(kv.get(0));
    Column value = column(kv.get(1));
    return row -> {
      Map<Object, Object> out = new LinkedHashMap<>();
      for (int i = map.getElementStartIndex(row); i < map.getElementEndIndex(row); i++) {
        out.put(key.get(i), value.get(i));
      }
      return out;
    };
  }

  private static List<Object> elements(Column element, int start, int end) {
    Object[] out = new Object[end - start];
    for (int i = start; i < end; i++) {
      out[i - start] = element.get(i);
    }
    return Arrays.asList(out);
  }

  /** Whether reading a column of this type costs little (fixed width, no children). */
  static boolean isCheap(ArrowType type) {
    return type instanceof ArrowType.Int
        || type instanceof ArrowType.Bool
        || type instanceof ArrowType.Date
        || type instanceof ArrowType.FloatingPoint
        || type instanceof ArrowType.Time
        || type instanceof ArrowType.Timestamp
        || type instanceof ArrowType.Decimal;
  }
}
