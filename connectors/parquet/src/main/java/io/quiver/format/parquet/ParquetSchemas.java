package io.quiver.format.parquet;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.DateLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.DecimalLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.IntLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimestampLogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Maps flat Parquet schemas to Arrow schemas the way Arrow C++ does when a file carries no {@code
 * ARROW:schema} metadata, so that Quiver's vectors have the types Arrow C++ readers would produce.
 *
 * <table>
 *   <caption>Parquet type to Arrow type</caption>
 *   <tr><th>Parquet</th><th>Arrow</th></tr>
 *   <tr><td>BOOLEAN</td><td>Bool</td></tr>
 *   <tr><td>INT32, INT(32, signed)</td><td>Int(32, signed)</td></tr>
 *   <tr><td>INT32 INT(8|16|32, unsigned?)</td><td>Int(8|16|32, signed?)</td></tr>
 *   <tr><td>INT32 DATE</td><td>Date(DAY)</td></tr>
 *   <tr><td>INT32 TIME(MILLIS)</td><td>Time(MILLISECOND, 32)</td></tr>
 *   <tr><td>INT64, INT(64, signed?)</td><td>Int(64, signed?)</td></tr>
 *   <tr><td>INT64 TIME(MICROS|NANOS)</td><td>Time(unit, 64)</td></tr>
 *   <tr><td>INT64 TIMESTAMP(unit, adjustedToUTC)</td><td>Timestamp(unit, "UTC" or none)</td></tr>
 *   <tr><td>DECIMAL(p, s) on INT32, INT64, FIXED_LEN_BYTE_ARRAY, BINARY</td>
 *       <td>Decimal(p, s, 128) for p &le; 38, else Decimal(p, s, 256)</td></tr>
 *   <tr><td>FLOAT, DOUBLE</td><td>FloatingPoint(SINGLE), FloatingPoint(DOUBLE)</td></tr>
 *   <tr><td>BINARY STRING, BINARY JSON</td><td>Utf8</td></tr>
 *   <tr><td>BINARY, BINARY ENUM, BINARY BSON</td><td>Binary</td></tr>
 *   <tr><td>FIXED_LEN_BYTE_ARRAY(n), UUID</td><td>FixedSizeBinary(n)</td></tr>
 * </table>
 *
 * <p>A field is nullable exactly when the column is OPTIONAL. Everything else (groups, LIST, MAP,
 * REPEATED columns, INT96, INTERVAL, FLOAT16, ...) is refused with an {@link
 * UnsupportedParquetSchemaException} naming the column and its type.
 *
 * <p>Stateless and thread-safe.
 */
public final class ParquetSchemas {
  private ParquetSchemas() {}

  /**
   * The Arrow schema of a flat Parquet schema; fields keep the Parquet column order and names.
   *
   * @throws UnsupportedParquetSchemaException for the first column Quiver cannot decode
   */
  public static Schema toArrow(MessageType parquet) {
    List<Field> fields = new ArrayList<>(parquet.getFieldCount());
    for (Type type : parquet.getFields()) {
      fields.add(toArrowField(type));
    }
    return new Schema(fields);
  }

  /** The Arrow field of one top-level column. */
  static Field toArrowField(Type type) {
    String name = type.getName();
    if (!type.isPrimitive()) {
      throw new UnsupportedParquetSchemaException(name, describeGroup(type));
    }
    PrimitiveType primitive = type.asPrimitiveType();
    if (type.isRepetition(Type.Repetition.REPEATED)) {
      throw new UnsupportedParquetSchemaException(name, "repeated " + describe(primitive));
    }
    ArrowType arrow = arrowType(primitive);
    if (arrow == null) {
      throw new UnsupportedParquetSchemaException(name, describe(primitive));
    }
    return new Field(
        name, new FieldType(type.isRepetition(Type.Repetition.OPTIONAL), arrow, null), null);
  }

  private static String describeGroup(Type type) {
    LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
    String repeated = type.isRepetition(Type.Repetition.REPEATED) ? "repeated " : "";
    if (logical instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation) {
      return repeated + "LIST";
    }
    if (logical instanceof LogicalTypeAnnotation.MapLogicalTypeAnnotation
        || logical instanceof LogicalTypeAnnotation.MapKeyValueTypeAnnotation) {
      return repeated + "MAP";
    }
    if (logical != null) {
      return repeated + "group " + logical;
    }
    return repeated + "group (struct)";
  }

  static String describe(PrimitiveType type) {
    StringBuilder sb = new StringBuilder(type.getPrimitiveTypeName().name());
    if (type.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY) {
      sb.append('(').append(type.getTypeLength()).append(')');
    }
    if (type.getLogicalTypeAnnotation() != null) {
      sb.append(' ').append(type.getLogicalTypeAnnotation());
    }
    return sb.toString();
  }

  /** The Arrow type of a primitive column, or null if Quiver does not decode it. */
  private static ArrowType arrowType(PrimitiveType type) {
    LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
    switch (type.getPrimitiveTypeName()) {
      case BOOLEAN:
        return logical == null ? ArrowType.Bool.INSTANCE : null;
      case INT32:
        if (logical == null) {
          return new ArrowType.Int(32, true);
        } else if (logical instanceof IntLogicalTypeAnnotation i) {
          return i.getBitWidth() <= 32 ? new ArrowType.Int(i.getBitWidth(), i.isSigned()) : null;
        } else if (logical instanceof DateLogicalTypeAnnotation) {
          return new ArrowType.Date(DateUnit.DAY);
        } else if (logical instanceof DecimalLogicalTypeAnnotation d) {
          return decimal(d);
        } else if (logical instanceof TimeLogicalTypeAnnotation t
            && t.getUnit() == LogicalTypeAnnotation.TimeUnit.MILLIS) {
          return new ArrowType.Time(TimeUnit.MILLISECOND, 32);
        }
        return null;
      case INT64:
        if (logical == null) {
          return new ArrowType.Int(64, true);
        } else if (logical instanceof IntLogicalTypeAnnotation i) {
          return i.getBitWidth() == 64 ? new ArrowType.Int(64, i.isSigned()) : null;
        } else if (logical instanceof DecimalLogicalTypeAnnotation d) {
          return decimal(d);
        } else if (logical instanceof TimeLogicalTypeAnnotation t
            && t.getUnit() != LogicalTypeAnnotation.TimeUnit.MILLIS) {
          return new ArrowType.Time(arrowUnit(t.getUnit()), 64);
        } else if (logical instanceof TimestampLogicalTypeAnnotation t) {
          return new ArrowType.Timestamp(
              arrowUnit(t.getUnit()), t.isAdjustedToUTC() ? "UTC" : null);
        }
        return null;
      case FLOAT:
        return logical == null ? new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE) : null;
      case DOUBLE:
        return logical == null ? new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE) : null;
      case BINARY:
        if (logical == null
            || logical instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation
            || logical instanceof LogicalTypeAnnotation.BsonLogicalTypeAnnotation) {
          return ArrowType.Binary.INSTANCE;
        } else if (logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
            || logical instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation) {
          return ArrowType.Utf8.INSTANCE;
        } else if (logical instanceof DecimalLogicalTypeAnnotation d) {
          return decimal(d);
        }
        return null;
      case FIXED_LEN_BYTE_ARRAY:
        if (logical == null || logical instanceof LogicalTypeAnnotation.UUIDLogicalTypeAnnotation) {
          return new ArrowType.FixedSizeBinary(type.getTypeLength());
        } else if (logical instanceof DecimalLogicalTypeAnnotation d) {
          return decimal(d);
        }
        return null;
      default:
        // INT96 and anything newer.
        return null;
    }
  }

  private static ArrowType decimal(DecimalLogicalTypeAnnotation d) {
    return new ArrowType.Decimal(
        d.getPrecision(), d.getScale(), d.getPrecision() <= 38 ? 128 : 256);
  }

  private static TimeUnit arrowUnit(LogicalTypeAnnotation.TimeUnit unit) {
    switch (unit) {
      case MILLIS:
        return TimeUnit.MILLISECOND;
      case MICROS:
        return TimeUnit.MICROSECOND;
      case NANOS:
        return TimeUnit.NANOSECOND;
      default:
        throw new IllegalArgumentException("Unknown time unit " + unit);
    }
  }
}
