package io.quiver.spark;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DateMilliVector;
import org.apache.arrow.vector.Decimal256Vector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TimeMicroVector;
import org.apache.arrow.vector.TimeMilliVector;
import org.apache.arrow.vector.TimeNanoVector;
import org.apache.arrow.vector.TimeSecVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.UInt1Vector;
import org.apache.arrow.vector.UInt2Vector;
import org.apache.arrow.vector.UInt4Vector;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.ipc.message.ArrowFieldNode;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.TransferPair;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimeType;

/**
 * How Quiver's Arrow columns become Spark columns.
 *
 * <p>Most types are handed to Spark's {@code ArrowColumnVector} as they arrive (no copy): booleans,
 * signed integers, float32/64, decimal128, strings, binaries, dates (days), microsecond timestamps
 * (with a time zone: {@code TimestampType}; without: {@code TimestampNTZType}), and lists, structs
 * and maps of those. The others are converted column by column into a vector Spark reads, the way
 * Spark's own Parquet reader types them:
 *
 * <table>
 *   <caption>Converted types</caption>
 *   <tr><th>Arrow</th><th>Spark</th></tr>
 *   <tr><td>uint8, uint16, uint32</td><td>short, int, long</td></tr>
 *   <tr><td>uint64</td><td>decimal(20, 0)</td></tr>
 *   <tr><td>timestamp in s, ms or ns</td><td>timestamp / timestamp_ntz in µs (ns are truncated
 *       towards the past, as Spark keeps µs)</td></tr>
 *   <tr><td>time32/time64</td><td>time(6) when the session sets {@code
 *       spark.sql.timeType.enabled} (Spark 4.1's TIME, off by default), else long: nanoseconds
 *       since midnight</td></tr>
 *   <tr><td>date64 (ms)</td><td>date</td></tr>
 *   <tr><td>decimal256 of precision ≤ 38</td><td>decimal(p, s)</td></tr>
 *   <tr><td>decimal256 of precision &gt; 38</td><td>string (the exact decimal, plain notation):
 *       Spark's decimals stop at 38 digits</td></tr>
 *   <tr><td>fixed-size binary</td><td>binary</td></tr>
 * </table>
 *
 * <p>Nested columns keep their validity and offset buffers (shared, not copied) and convert only
 * the children that need it. Stateless and thread-safe.
 */
final class ArrowToSpark {
  private ArrowToSpark() {}

  /** Spark's schema of an Arrow schema. */
  static StructType sparkSchema(Schema schema) {
    List<StructField> fields = new ArrayList<>();
    for (Field f : schema.getFields()) {
      fields.add(new StructField(f.getName(), sparkType(f), f.isNullable(), Metadata.empty()));
    }
    return new StructType(fields.toArray(new StructField[0]));
  }

  /**
   * The Spark type of a column.
   *
   * @throws UnsupportedOperationException naming the column and its type, for types Quiver does not
   *     serve
   */
  static DataType sparkType(Field field) {
    Field f = readableField(field);
    ArrowType t = f.getType();
    switch (t.getTypeID()) {
      case Null:
        return DataTypes.NullType;
      case Bool:
        return DataTypes.BooleanType;
      case Int:
        {
          switch (((ArrowType.Int) t).getBitWidth()) {
            case 8:
              return DataTypes.ByteType;
            case 16:
              return DataTypes.ShortType;
            case 32:
              return DataTypes.IntegerType;
            default:
              return DataTypes.LongType;
          }
        }
      case FloatingPoint:
        return ((ArrowType.FloatingPoint) t).getPrecision() == FloatingPointPrecision.SINGLE
            ? DataTypes.FloatType
            : DataTypes.DoubleType;
      case Decimal:
        {
          ArrowType.Decimal d = (ArrowType.Decimal) t;
          return DataTypes.createDecimalType(d.getPrecision(), d.getScale());
        }
      case Utf8:
      case LargeUtf8:
        return DataTypes.StringType;
      case Binary:
      case LargeBinary:
        return DataTypes.BinaryType;
      case Date:
        return DataTypes.DateType;
      case Timestamp:
        return ((ArrowType.Timestamp) t).getTimezone() == null
            ? DataTypes.TimestampNTZType
            : DataTypes.TimestampType;
      case Time:
        return timeTypeEnabled() ? new TimeType(TimeType.MICROS_PRECISION()) : DataTypes.LongType;
      case List:
        {
          Field element = f.getChildren().get(0);
          return new ArrayType(sparkType(element), element.isNullable());
        }
      case Struct:
        {
          List<StructField> fields = new ArrayList<>();
          for (Field c : f.getChildren()) {
            fields.add(
                new StructField(c.getName(), sparkType(c), c.isNullable(), Metadata.empty()));
          }
          return new StructType(fields.toArray(new StructField[0]));
        }
      case Map:
        {
          Field entries = f.getChildren().get(0);
          Field key = entries.getChildren().get(0);
          Field value = entries.getChildren().get(1);
          return new MapType(sparkType(key), sparkType(value), value.isNullable());
        }
      default:
        throw unsupported(field);
    }
  }

  /**
   * Whether the session lets Spark 4.1's TIME type be used ({@code spark.sql.timeType.enabled}, off
   * by default); without it time columns are longs: nanoseconds since midnight.
   */
  static boolean timeTypeEnabled() {
    return Boolean.parseBoolean(SQLConf.get().getConfString("spark.sql.timeType.enabled", "false"));
  }

  private static UnsupportedOperationException unsupported(Field field) {
    return new UnsupportedOperationException(
        "Column '"
            + field.getName()
            + "' has Arrow type "
            + field.getType()
            + ", which Spark cannot read");
  }

  /**
   * The field of the vector Spark reads for {@code field}: {@code field} itself (the same instance)
   * when Spark reads it as is, else the field {@link #convert} produces.
   */
  static Field readableField(Field field) {
    ArrowType t = field.getType();
    ArrowType readable = t;
    switch (t.getTypeID()) {
      case Int:
        {
          ArrowType.Int i = (ArrowType.Int) t;
          if (!i.getIsSigned()) {
            readable =
                i.getBitWidth() == 64
                    ? new ArrowType.Decimal(20, 0, 128)
                    : new ArrowType.Int(i.getBitWidth() * 2, true);
          }
          break;
        }
      case Decimal:
        {
          ArrowType.Decimal d = (ArrowType.Decimal) t;
          if (d.getBitWidth() != 128) {
            readable =
                d.getPrecision() <= 38
                    ? new ArrowType.Decimal(d.getPrecision(), d.getScale(), 128)
                    : ArrowType.Utf8.INSTANCE;
          }
          break;
        }
      case FixedSizeBinary:
        readable = ArrowType.Binary.INSTANCE;
        break;
      case Date:
        if (((ArrowType.Date) t).getUnit() != DateUnit.DAY) {
          readable = new ArrowType.Date(DateUnit.DAY);
        }
        break;
      case Timestamp:
        {
          ArrowType.Timestamp ts = (ArrowType.Timestamp) t;
          if (ts.getUnit() != TimeUnit.MICROSECOND) {
            readable = new ArrowType.Timestamp(TimeUnit.MICROSECOND, ts.getTimezone());
          }
          break;
        }
      case Time:
        {
          ArrowType.Time time = (ArrowType.Time) t;
          if (time.getUnit() != TimeUnit.NANOSECOND) {
            readable = new ArrowType.Time(TimeUnit.NANOSECOND, 64);
          }
          break;
        }
      case List:
      case Struct:
      case Map:
        {
          List<Field> children = new ArrayList<>();
          boolean changed = false;
          for (Field c : field.getChildren()) {
            Field r = readableField(c);
            changed |= r != c;
            children.add(r);
          }
          return changed ? new Field(field.getName(), field.getFieldType(), children) : field;
        }
      case Null:
      case Bool:
      case FloatingPoint:
      case Utf8:
      case LargeUtf8:
      case Binary:
      case LargeBinary:
        break;
      default:
        throw unsupported(field);
    }
    if (readable == t) {
      return field;
    }
    return new Field(
        field.getName(),
        new FieldType(field.isNullable(), readable, null, field.getMetadata()),
        null);
  }

  /**
   * The vector Spark reads for {@code src}, whose {@link #readableField} differs from its field: a
   * new vector in {@code allocator}, owned by the caller. {@code src} stays owned by its owner; its
   * children that need no conversion are moved (not copied) into the result and left empty.
   */
  static FieldVector convert(FieldVector src, BufferAllocator allocator) {
    Field target = readableField(src.getField());
    if (target == src.getField()) {
      TransferPair pair = src.getTransferPair(allocator);
      pair.transfer();
      return (FieldVector) pair.getTo();
    }
    switch (src.getField().getType().getTypeID()) {
      case List:
      case Struct:
      case Map:
        return convertNested(src, target, allocator);
      default:
        break;
    }
    FieldVector out = target.createVector(allocator);
    boolean done = false;
    try {
      int n = src.getValueCount();
      out.setInitialCapacity(n);
      out.allocateNew();
      copyConverted(src, out, n);
      out.setValueCount(n);
      done = true;
      return out;
    } finally {
      if (!done) {
        out.close();
      }
    }
  }

  /** A nested vector: its own buffers shared, its children converted or moved. */
  private static FieldVector convertNested(
      FieldVector src, Field target, BufferAllocator allocator) {
    FieldVector out = target.createVector(allocator);
    boolean done = false;
    try {
      List<ArrowBuf> buffers = src.getFieldBuffers();
      out.loadFieldBuffers(new ArrowFieldNode(src.getValueCount(), src.getNullCount()), buffers);
      List<FieldVector> from = src.getChildrenFromFields();
      List<FieldVector> to = out.getChildrenFromFields();
      for (int i = 0; i < from.size(); i++) {
        try (FieldVector converted = convert(from.get(i), allocator)) {
          converted.makeTransferPair(to.get(i)).transfer();
        }
      }
      out.setValueCount(src.getValueCount());
      done = true;
      return out;
    } finally {
      if (!done) {
        out.close();
      }
    }
  }

  private static void copyConverted(FieldVector src, FieldVector out, int n) {
    if (src instanceof UInt1Vector u) {
      SmallIntVector o = (SmallIntVector) out;
      for (int i = 0; i < n; i++) {
        if (!u.isNull(i)) {
          o.set(i, (short) (u.get(i) & 0xFF));
        }
      }
    } else if (src instanceof UInt2Vector u) {
      IntVector o = (IntVector) out;
      for (int i = 0; i < n; i++) {
        if (!u.isNull(i)) {
          o.set(i, u.get(i) & 0xFFFF);
        }
      }
    } else if (src instanceof UInt4Vector u) {
      BigIntVector o = (BigIntVector) out;
      for (int i = 0; i < n; i++) {
        if (!u.isNull(i)) {
          o.set(i, u.get(i) & 0xFFFF_FFFFL);
        }
      }
    } else if (src instanceof UInt8Vector u) {
      DecimalVector o = (DecimalVector) out;
      for (int i = 0; i < n; i++) {
        if (!u.isNull(i)) {
          long v = u.get(i);
          o.set(
              i,
              v >= 0
                  ? BigDecimal.valueOf(v)
                  : new BigDecimal(BigInteger.valueOf(v).add(BigInteger.ONE.shiftLeft(64))));
        }
      }
    } else if (src instanceof Decimal256Vector d) {
      if (out instanceof DecimalVector o) {
        for (int i = 0; i < n; i++) {
          if (!d.isNull(i)) {
            o.set(i, d.getObject(i));
          }
        }
      } else {
        VarCharVector o = (VarCharVector) out;
        for (int i = 0; i < n; i++) {
          if (!d.isNull(i)) {
            o.setSafe(i, d.getObject(i).toPlainString().getBytes(StandardCharsets.US_ASCII));
          }
        }
      }
    } else if (src instanceof FixedSizeBinaryVector b) {
      VarBinaryVector o = (VarBinaryVector) out;
      for (int i = 0; i < n; i++) {
        if (!b.isNull(i)) {
          o.setSafe(i, b.get(i));
        }
      }
    } else if (src instanceof DateMilliVector d) {
      DateDayVector o = (DateDayVector) out;
      for (int i = 0; i < n; i++) {
        if (!d.isNull(i)) {
          o.set(i, (int) Math.floorDiv(d.get(i), 86_400_000L));
        }
      }
    } else if (src instanceof TimeStampVector ts) {
      TimeUnit unit = ((ArrowType.Timestamp) src.getField().getType()).getUnit();
      TimeStampVector o = (TimeStampVector) out;
      for (int i = 0; i < n; i++) {
        if (!ts.isNull(i)) {
          o.set(i, toMicros(ts.get(i), unit));
        }
      }
    } else if (src instanceof TimeSecVector t) {
      TimeNanoVector o = (TimeNanoVector) out;
      for (int i = 0; i < n; i++) {
        if (!t.isNull(i)) {
          o.set(i, t.get(i) * 1_000_000_000L);
        }
      }
    } else if (src instanceof TimeMilliVector t) {
      TimeNanoVector o = (TimeNanoVector) out;
      for (int i = 0; i < n; i++) {
        if (!t.isNull(i)) {
          o.set(i, t.get(i) * 1_000_000L);
        }
      }
    } else if (src instanceof TimeMicroVector t) {
      TimeNanoVector o = (TimeNanoVector) out;
      for (int i = 0; i < n; i++) {
        if (!t.isNull(i)) {
          o.set(i, t.get(i) * 1_000L);
        }
      }
    } else {
      throw unsupported(src.getField());
    }
  }

  /** A timestamp in {@code unit} as microseconds, nanoseconds truncated towards the past. */
  static long toMicros(long value, TimeUnit unit) {
    return switch (unit) {
      case SECOND -> Math.multiplyExact(value, 1_000_000L);
      case MILLISECOND -> Math.multiplyExact(value, 1_000L);
      case MICROSECOND -> value;
      case NANOSECOND -> Math.floorDiv(value, 1_000L);
    };
  }
}
