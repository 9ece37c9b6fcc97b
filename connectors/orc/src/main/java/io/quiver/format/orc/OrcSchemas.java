package io.quiver.format.orc;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.orc.TypeDescription;

/**
 * Maps ORC types to Arrow types the way Arrow C++'s ORC reader ({@code arrow/adapters/orc}) does,
 * so that Quiver's vectors and Arrow C++'s are interchangeable:
 *
 * <table>
 *   <caption>ORC to Arrow</caption>
 *   <tr><th>ORC</th><th>Arrow</th></tr>
 *   <tr><td>boolean</td><td>bool</td></tr>
 *   <tr><td>tinyint / smallint / int / bigint</td><td>int8 / int16 / int32 / int64</td></tr>
 *   <tr><td>float / double</td><td>float32 / float64</td></tr>
 *   <tr><td>string, varchar(n), char(n)</td><td>utf8</td></tr>
 *   <tr><td>binary</td><td>binary</td></tr>
 *   <tr><td>decimal(p,s)</td><td>decimal128(p,s); precision 0 (Hive 0.11) as decimal128(38,6)</td>
 *   </tr>
 *   <tr><td>date</td><td>date32 (days)</td></tr>
 *   <tr><td>timestamp</td><td>timestamp(ns) without time zone: the wall-clock time read as UTC</td>
 *   </tr>
 *   <tr><td>timestamp with local time zone</td><td>timestamp(ns, "UTC"): an instant</td></tr>
 *   <tr><td>array&lt;T&gt;</td><td>list with element field {@code item}</td></tr>
 *   <tr><td>map&lt;K,V&gt;</td><td>map: {@code entries} struct of non-null {@code key} and
 *   nullable {@code value}</td></tr>
 *   <tr><td>struct</td><td>struct with the ORC field names</td></tr>
 *   <tr><td>uniontype</td><td>refused ({@link UnsupportedOrcSchemaException})</td></tr>
 * </table>
 *
 * <p>Every field is nullable except map keys, as in Arrow C++: ORC has no non-null constraint.
 *
 * <p>Stateless and thread-safe.
 */
public final class OrcSchemas {
  private OrcSchemas() {}

  /**
   * The Arrow schema of an ORC file schema, whose root must be a struct; one field per top-level
   * column, in file order.
   *
   * @throws UnsupportedOrcSchemaException for the first column Quiver cannot decode
   * @throws IllegalArgumentException if the root is not a struct
   */
  public static Schema toArrow(TypeDescription schema) {
    Objects.requireNonNull(schema, "schema");
    if (schema.getCategory() != TypeDescription.Category.STRUCT) {
      throw new IllegalArgumentException(
          "ORC file schema's root is a " + schema.getCategory().getName() + ", not a struct");
    }
    List<String> names = schema.getFieldNames();
    List<TypeDescription> children = schema.getChildren();
    List<Field> fields = new ArrayList<>(names.size());
    for (int i = 0; i < names.size(); i++) {
      fields.add(toArrowField(names.get(i), children.get(i)));
    }
    return new Schema(fields);
  }

  /**
   * The field a top-level column Quiver refuses (a union, or a type with one inside) has in the
   * file's schema: the field Arrow C++ reads it as, a union being a sparse union of fields named
   * {@code _union_0}, {@code _union_1}, ..., so the schema stays the same when Quiver learns to
   * decode unions.
   */
  static Field placeholderField(String name, TypeDescription type) {
    return field(name, type, true, name, type, true);
  }

  /**
   * The Arrow field of top-level column {@code name} of ORC type {@code type}.
   *
   * @throws UnsupportedOrcSchemaException if the type (or a nested type) is a union
   */
  public static Field toArrowField(String name, TypeDescription type) {
    return field(name, type, true, name, type, false);
  }

  /**
   * @param unions whether to type unions as Arrow C++ does (for the schema of a refused column)
   *     rather than refuse them
   */
  private static Field field(
      String name,
      TypeDescription type,
      boolean nullable,
      String column,
      TypeDescription top,
      boolean unions) {
    List<TypeDescription> children = type.getChildren();
    switch (type.getCategory()) {
      case LIST:
        return new Field(
            name,
            new FieldType(nullable, ArrowType.List.INSTANCE, null),
            List.of(field("item", children.get(0), true, column, top, unions)));
      case MAP:
        {
          Field entries =
              new Field(
                  "entries",
                  FieldType.notNullable(ArrowType.Struct.INSTANCE),
                  List.of(
                      field("key", children.get(0), false, column, top, unions),
                      field("value", children.get(1), true, column, top, unions)));
          return new Field(
              name, new FieldType(nullable, new ArrowType.Map(false), null), List.of(entries));
        }
      case STRUCT:
        {
          List<String> names = type.getFieldNames();
          List<Field> fields = new ArrayList<>(names.size());
          for (int i = 0; i < names.size(); i++) {
            fields.add(field(names.get(i), children.get(i), true, column, top, unions));
          }
          return new Field(name, new FieldType(nullable, ArrowType.Struct.INSTANCE, null), fields);
        }
      case UNION:
        if (unions) {
          List<Field> members = new ArrayList<>(children.size());
          int[] typeIds = new int[children.size()];
          for (int i = 0; i < children.size(); i++) {
            members.add(field("_union_" + i, children.get(i), true, column, top, true));
            typeIds[i] = i;
          }
          return new Field(
              name,
              new FieldType(
                  nullable,
                  new ArrowType.Union(org.apache.arrow.vector.types.UnionMode.Sparse, typeIds),
                  null),
              members);
        }
        throw new UnsupportedOrcSchemaException(
            column, top.toString(), "union types are not supported");
      default:
        return new Field(name, new FieldType(nullable, primitive(type), null), null);
    }
  }

  private static ArrowType primitive(TypeDescription type) {
    switch (type.getCategory()) {
      case BOOLEAN:
        return ArrowType.Bool.INSTANCE;
      case BYTE:
        return new ArrowType.Int(8, true);
      case SHORT:
        return new ArrowType.Int(16, true);
      case INT:
        return new ArrowType.Int(32, true);
      case LONG:
        return new ArrowType.Int(64, true);
      case FLOAT:
        return new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
      case DOUBLE:
        return new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
      case STRING:
      case VARCHAR:
      case CHAR:
        return ArrowType.Utf8.INSTANCE;
      case BINARY:
        return ArrowType.Binary.INSTANCE;
      case DECIMAL:
        // Hive 0.11/0.12 wrote precision 0 meaning "unbounded"; Arrow C++ reads it as (38, 6).
        return type.getPrecision() == 0
            ? new ArrowType.Decimal(38, 6, 128)
            : new ArrowType.Decimal(type.getPrecision(), type.getScale(), 128);
      case DATE:
        return new ArrowType.Date(DateUnit.DAY);
      case TIMESTAMP:
        // A wall-clock time; read as if in UTC, so it carries no zone (as Arrow C++ does).
        return new ArrowType.Timestamp(TimeUnit.NANOSECOND, null);
      case TIMESTAMP_INSTANT:
        return new ArrowType.Timestamp(TimeUnit.NANOSECOND, "UTC");
      default:
        throw new IllegalStateException("Unexpected ORC type " + type);
    }
  }
}
