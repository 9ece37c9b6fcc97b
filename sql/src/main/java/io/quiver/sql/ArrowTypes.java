package io.quiver.sql;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.sql.type.SqlTypeName;

/**
 * Arrow fields as Calcite types.
 *
 * <table>
 *   <caption>Arrow to SQL</caption>
 *   <tr><th>Arrow</th><th>SQL</th></tr>
 *   <tr><td>Int 8/16/32/64 signed</td><td>TINYINT, SMALLINT, INTEGER, BIGINT</td></tr>
 *   <tr><td>Int 8/16/32 unsigned</td><td>SMALLINT, INTEGER, BIGINT (the next wider type)</td></tr>
 *   <tr><td>Int 64 unsigned</td><td>DECIMAL(20, 0)</td></tr>
 *   <tr><td>FloatingPoint half/single, double</td><td>REAL, DOUBLE</td></tr>
 *   <tr><td>Decimal(p, s)</td><td>DECIMAL(p, s) (p &le; 38)</td></tr>
 *   <tr><td>Utf8, LargeUtf8</td><td>VARCHAR</td></tr>
 *   <tr><td>Binary, LargeBinary, FixedSizeBinary</td><td>VARBINARY</td></tr>
 *   <tr><td>Bool</td><td>BOOLEAN</td></tr>
 *   <tr><td>Date</td><td>DATE</td></tr>
 *   <tr><td>Time(unit)</td><td>TIME(0/3/6/9)</td></tr>
 *   <tr><td>Timestamp(unit), no zone</td><td>TIMESTAMP(0/3/6/9)</td></tr>
 *   <tr><td>Timestamp(unit, zone)</td><td>TIMESTAMP WITH LOCAL TIME ZONE(0/3/6/9)</td></tr>
 *   <tr><td>List, LargeList, FixedSizeList</td><td>ARRAY of the element</td></tr>
 *   <tr><td>Struct</td><td>ROW of the fields</td></tr>
 *   <tr><td>Map</td><td>MAP of key and value</td></tr>
 *   <tr><td>anything else</td><td>ANY</td></tr>
 * </table>
 *
 * Every type is nullable as the field says. Stateless and thread-safe.
 */
public final class ArrowTypes {
  private ArrowTypes() {}

  public static RelDataType rowType(Schema schema, RelDataTypeFactory types) {
    RelDataTypeFactory.Builder b = types.builder();
    for (Field f : schema.getFields()) {
      b.add(f.getName(), toSql(f, types));
    }
    return b.build();
  }

  public static RelDataType toSql(Field field, RelDataTypeFactory types) {
    return types.createTypeWithNullability(base(field, types), field.isNullable());
  }

  private static RelDataType base(Field field, RelDataTypeFactory types) {
    ArrowType t = field.getType();
    if (t instanceof ArrowType.Int i) {
      int bits = i.getIsSigned() ? i.getBitWidth() : i.getBitWidth() * 2;
      return switch (bits) {
        case 8 -> types.createSqlType(SqlTypeName.TINYINT);
        case 16 -> types.createSqlType(SqlTypeName.SMALLINT);
        case 32 -> types.createSqlType(SqlTypeName.INTEGER);
        case 64 -> types.createSqlType(SqlTypeName.BIGINT);
        default -> types.createSqlType(SqlTypeName.DECIMAL, 20, 0);
      };
    }
    if (t instanceof ArrowType.FloatingPoint f) {
      return types.createSqlType(
          f.getPrecision() == FloatingPointPrecision.DOUBLE
              ? SqlTypeName.DOUBLE
              : SqlTypeName.REAL);
    }
    if (t instanceof ArrowType.Decimal d) {
      if (d.getPrecision() <= SqlDialect.MAX_DECIMAL_PRECISION) {
        return types.createSqlType(SqlTypeName.DECIMAL, d.getPrecision(), d.getScale());
      }
      return types.createSqlType(SqlTypeName.ANY);
    }
    if (t instanceof ArrowType.Utf8 || t instanceof ArrowType.LargeUtf8) {
      return types.createSqlType(SqlTypeName.VARCHAR);
    }
    if (t instanceof ArrowType.Binary
        || t instanceof ArrowType.LargeBinary
        || t instanceof ArrowType.FixedSizeBinary) {
      return types.createSqlType(SqlTypeName.VARBINARY);
    }
    if (t instanceof ArrowType.Bool) {
      return types.createSqlType(SqlTypeName.BOOLEAN);
    }
    if (t instanceof ArrowType.Date) {
      return types.createSqlType(SqlTypeName.DATE);
    }
    if (t instanceof ArrowType.Time time) {
      return types.createSqlType(SqlTypeName.TIME, precision(time.getUnit()));
    }
    if (t instanceof ArrowType.Timestamp ts) {
      return types.createSqlType(
          ts.getTimezone() == null
              ? SqlTypeName.TIMESTAMP
              : SqlTypeName.TIMESTAMP_WITH_LOCAL_TIME_ZONE,
          precision(ts.getUnit()));
    }
    if (t instanceof ArrowType.List
        || t instanceof ArrowType.LargeList
        || t instanceof ArrowType.FixedSizeList) {
      return types.createArrayType(toSql(field.getChildren().get(0), types), -1);
    }
    if (t instanceof ArrowType.Map) {
      Field entries = field.getChildren().get(0);
      return types.createMapType(
          toSql(entries.getChildren().get(0), types), toSql(entries.getChildren().get(1), types));
    }
    if (t instanceof ArrowType.Struct) {
      List<RelDataType> fieldTypes = new ArrayList<>();
      List<String> names = new ArrayList<>();
      for (Field c : field.getChildren()) {
        names.add(c.getName());
        fieldTypes.add(toSql(c, types));
      }
      return types.createStructType(fieldTypes, names);
    }
    return types.createSqlType(SqlTypeName.ANY);
  }

  private static int precision(TimeUnit unit) {
    return switch (unit) {
      case SECOND -> 0;
      case MILLISECOND -> 3;
      case MICROSECOND -> 6;
      case NANOSECOND -> 9;
    };
  }
}
