package io.quiver.format.parquet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.schema.GroupType;
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
 * Maps Parquet schemas to Arrow schemas the way Arrow C++'s Parquet reader does when a file carries
 * no {@code ARROW:schema} metadata, so that Quiver's vectors have the types, field names and
 * nullability Arrow C++ readers would produce.
 *
 * <table>
 *   <caption>Parquet primitive type to Arrow type</caption>
 *   <tr><th>Parquet</th><th>Arrow</th></tr>
 *   <tr><td>BOOLEAN</td><td>Bool</td></tr>
 *   <tr><td>INT32, INT(32, signed)</td><td>Int(32, signed)</td></tr>
 *   <tr><td>INT32 INT(8|16|32, unsigned?)</td><td>Int(8|16|32, signed?)</td></tr>
 *   <tr><td>INT32 DATE</td><td>Date(DAY)</td></tr>
 *   <tr><td>INT32 TIME(MILLIS)</td><td>Time(MILLISECOND, 32)</td></tr>
 *   <tr><td>INT64, INT(64, signed?)</td><td>Int(64, signed?)</td></tr>
 *   <tr><td>INT64 TIME(MICROS|NANOS)</td><td>Time(unit, 64)</td></tr>
 *   <tr><td>INT64 TIMESTAMP(unit, adjustedToUTC)</td><td>Timestamp(unit, "UTC" or none)</td></tr>
 *   <tr><td>INT96</td><td>Timestamp(NANOSECOND, none): Julian day and nanoseconds of day, as
 *       Arrow C++ converts them; Timestamp(unit, none) when read with another unit (the mount
 *       option {@code int96-timestamp-unit}, Arrow C++'s {@code coerce_int96_timestamp_unit})</td></tr>
 *   <tr><td>DECIMAL(p, s) on INT32, INT64, FIXED_LEN_BYTE_ARRAY, BINARY</td>
 *       <td>Decimal(p, s, 128) for p &le; 38, else Decimal(p, s, 256)</td></tr>
 *   <tr><td>FLOAT, DOUBLE</td><td>FloatingPoint(SINGLE), FloatingPoint(DOUBLE)</td></tr>
 *   <tr><td>BINARY STRING, BINARY JSON</td><td>Utf8</td></tr>
 *   <tr><td>BINARY, BINARY ENUM, BINARY BSON</td><td>Binary</td></tr>
 *   <tr><td>FIXED_LEN_BYTE_ARRAY(n), UUID</td><td>FixedSizeBinary(n)</td></tr>
 * </table>
 *
 * <p>Nested types follow Arrow C++'s rules, including the backward-compatibility forms of the
 * Parquet format specification:
 *
 * <ul>
 *   <li>a group without annotation is a Struct of its fields;
 *   <li>a LIST group {@code g} with one repeated child {@code c} is a List named {@code g}: when
 *       {@code c} is a group of one field not named {@code array} or {@code *_tuple} (the standard
 *       3-level form), the element is that field; when {@code c} is a group otherwise (several
 *       fields, or named {@code array}/{@code *_tuple}), the element is {@code c} itself, non-null:
 *       a List by these rules when {@code c} is annotated LIST, else a Struct named {@code c}; when
 *       {@code c} is primitive (2-level form), the element is {@code c}, non-null;
 *   <li>a MAP group (or a MAP_KEY_VALUE group, the legacy annotation) whose repeated child has a
 *       REQUIRED key and a value is a Map (keys not sorted) whose non-null entries Struct is named
 *       {@code entries} (as Arrow C++ names it) and holds the key and value fields; a repeated
 *       child with only a key makes a List of keys;
 *   <li>a REPEATED field outside LIST/MAP (primitive or group) is a non-null List named after the
 *       field whose element is the field itself, non-null.
 * </ul>
 *
 * <p>A field is nullable exactly when its Parquet field is OPTIONAL. Anything else is refused with
 * an {@link UnsupportedParquetSchemaException} naming the top-level column and, for a nested field,
 * the path of the offending field: INTERVAL, other annotations on groups, empty groups, and the
 * LIST/MAP shapes Arrow C++ 18 refuses as well (a LIST or MAP group that is repeated or has other
 * than one field, a LIST whose field is not repeated, a LIST's repeated group whose only field is
 * itself repeated without a LIST annotation, MAP entries of other than one or two fields, an
 * optional or repeated MAP key).
 *
 * <p>Stateless and thread-safe.
 */
public final class ParquetSchemas {
  private ParquetSchemas() {}

  /** The top-level field names of {@code schema}, in file order. */
  public static List<String> topLevelNames(MessageType schema) {
    List<String> names = new ArrayList<>(schema.getFieldCount());
    for (Type field : schema.getFields()) {
      names.add(field.getName());
    }
    return names;
  }

  /**
   * The Arrow schema of a Parquet schema, INT96 read as nanoseconds; fields keep the Parquet column
   * order and names.
   *
   * @throws UnsupportedParquetSchemaException for the first column Quiver cannot decode
   */
  public static Schema toArrow(MessageType parquet) {
    return toArrow(parquet, TimeUnit.NANOSECOND);
  }

  /**
   * The Arrow schema of a Parquet schema, INT96 timestamps in {@code int96Unit}.
   *
   * @throws UnsupportedParquetSchemaException for the first column Quiver cannot decode
   */
  public static Schema toArrow(MessageType parquet, TimeUnit int96Unit) {
    List<Field> fields = new ArrayList<>(parquet.getFieldCount());
    for (Type type : parquet.getFields()) {
      fields.add(toNode(type, int96Unit).field);
    }
    return new Schema(fields);
  }

  /**
   * The field a top-level column Quiver refuses has in the file's schema: the field Arrow C++ reads
   * it as where Quiver knows it (Arrow C++ 18 types INTERVAL values, wherever they are nested, as
   * Arrow's null type), so the schema stays the same once Quiver decodes the column; else a
   * nullable field of Arrow's null type (shapes Arrow C++ refuses too).
   */
  static Field placeholderField(Type type, TimeUnit int96Unit) {
    try {
      return new NodeBuilder(type.getName(), int96Unit, true)
          .field(type, new String[0], 0, 0, 0)
          .field;
    } catch (UnsupportedParquetSchemaException e) {
      return new Field(type.getName(), FieldType.nullable(ArrowType.Null.INSTANCE), null);
    }
  }

  /** The Arrow field of one top-level column, INT96 as nanoseconds. */
  static Field toArrowField(Type type) {
    return toNode(type).field;
  }

  /**
   * The shape of one top-level column, INT96 as nanoseconds; see {@link #toNode(Type, TimeUnit)}.
   */
  static FieldNode toNode(Type type) {
    return toNode(type, TimeUnit.NANOSECOND);
  }

  /**
   * The shape of one top-level column: its Arrow field with, for every Arrow node, the repetition
   * and definition levels that decide where the node has slots and which slots are valid; INT96
   * timestamps in {@code int96Unit}.
   *
   * @throws UnsupportedParquetSchemaException if Quiver cannot decode the column
   */
  static FieldNode toNode(Type type, TimeUnit int96Unit) {
    return new NodeBuilder(type.getName(), int96Unit).field(type, new String[0], 0, 0, 0);
  }

  /**
   * One Arrow node of a column and how Parquet levels map onto it (after Arrow C++'s {@code
   * LevelInfo}). A triplet (repetition r, definition d) of any leaf below the node starts a new
   * slot of the node when {@code r <= rep && d >= slotDef}; that slot is valid when {@code d >=
   * validDef} (non-nullable nodes are valid in every slot they have). Immutable.
   */
  static final class FieldNode {
    enum Kind {
      LEAF,
      STRUCT,
      LIST,
      MAP
    }

    final Kind kind;
    final Field field;
    final int rep;
    final int slotDef;
    final int validDef;

    /** STRUCT: its fields; LIST: the element; MAP: the entries struct. */
    final List<FieldNode> children;

    /** LEAF only: the Parquet column and its path from the schema root. */
    final PrimitiveType primitive;

    final String[] path;

    private FieldNode(
        Kind kind,
        Field field,
        int rep,
        int slotDef,
        int validDef,
        List<FieldNode> children,
        PrimitiveType primitive,
        String[] path) {
      this.kind = kind;
      this.field = field;
      this.rep = rep;
      this.slotDef = slotDef;
      this.validDef = validDef;
      this.children = children;
      this.primitive = primitive;
      this.path = path;
    }

    /** The first leaf below (or at) this node: its levels describe this node's slots. */
    FieldNode firstLeaf() {
      FieldNode n = this;
      while (n.kind != Kind.LEAF) {
        n = n.children.get(0);
      }
      return n;
    }

    /** Whether this is a plain top-level primitive column (no levels beyond one optional). */
    boolean isFlat() {
      return kind == Kind.LEAF && rep == 0;
    }

    void leaves(List<FieldNode> out) {
      if (kind == Kind.LEAF) {
        out.add(this);
      } else {
        for (FieldNode child : children) {
          child.leaves(out);
        }
      }
    }
  }

  /** Builds the nodes of one top-level column, naming it in refusals. */
  private static final class NodeBuilder {
    private final String column;
    private final TimeUnit int96Unit;

    /** Whether to type INTERVAL as Arrow C++ does, for the schema only (never for decoding). */
    private final boolean arrowCppTypes;

    NodeBuilder(String column, TimeUnit int96Unit) {
      this(column, int96Unit, false);
    }

    NodeBuilder(String column, TimeUnit int96Unit, boolean arrowCppTypes) {
      this.column = column;
      this.int96Unit = int96Unit;
      this.arrowCppTypes = arrowCppTypes;
    }

    private UnsupportedParquetSchemaException refuse(String[] path, String what) {
      if (path.length <= 1) {
        return new UnsupportedParquetSchemaException(column, what);
      }
      return new UnsupportedParquetSchemaException(column, what + " at " + String.join(".", path));
    }

    private static String[] append(String[] path, String name) {
      String[] out = Arrays.copyOf(path, path.length + 1);
      out[path.length] = name;
      return out;
    }

    /**
     * A field in an ordinary position (top level, struct member, list element).
     *
     * @param def definition level of the enclosing node when present
     * @param rep repetition level of the nearest repeated ancestor (0 at top level)
     * @param slotDef definition level at which the nearest repeated ancestor has an element
     */
    FieldNode field(Type type, String[] parent, int def, int rep, int slotDef) {
      String[] path = append(parent, type.getName());
      if (type.isRepetition(Type.Repetition.REPEATED)) {
        LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
        if (!type.isPrimitive() && logical != null) {
          throw refuse(path, describeGroup(type));
        }
        // A repeated field outside LIST/MAP: a non-null list of non-null elements.
        FieldNode element = repeatedElement(type, path, def + 1, rep + 1);
        return list(type.getName(), false, rep, slotDef, def, element);
      }
      boolean optional = type.isRepetition(Type.Repetition.OPTIONAL);
      int own = optional ? def + 1 : def;
      if (type.isPrimitive()) {
        return leaf(type.asPrimitiveType(), type.getName(), optional, path, rep, slotDef, own);
      }
      GroupType group = type.asGroupType();
      LogicalTypeAnnotation logical = group.getLogicalTypeAnnotation();
      if (logical instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation) {
        return listGroup(group, path, optional, own, rep, slotDef);
      }
      if (logical instanceof LogicalTypeAnnotation.MapLogicalTypeAnnotation
          || logical instanceof LogicalTypeAnnotation.MapKeyValueTypeAnnotation) {
        return mapGroup(group, path, optional, own, rep, slotDef);
      }
      if (logical != null) {
        throw refuse(path, describeGroup(group));
      }
      return struct(group, group.getName(), optional, path, own, rep, slotDef);
    }

    private FieldNode leaf(
        PrimitiveType primitive,
        String name,
        boolean nullable,
        String[] path,
        int rep,
        int slotDef,
        int own) {
      ArrowType arrow = arrowType(primitive, int96Unit);
      if (arrow == null
          && arrowCppTypes
          && primitive.getLogicalTypeAnnotation()
              instanceof LogicalTypeAnnotation.IntervalLogicalTypeAnnotation) {
        // Arrow C++ 18 has no Parquet INTERVAL mapping: it types the values null (and drops them).
        arrow = ArrowType.Null.INSTANCE;
      }
      if (arrow == null) {
        throw refuse(path, describe(primitive));
      }
      // Arrow's null type is always nullable (every value is null), as Arrow C++ makes it.
      boolean isNull = arrow.getTypeID() == ArrowType.ArrowTypeID.Null;
      return new FieldNode(
          FieldNode.Kind.LEAF,
          new Field(name, new FieldType(nullable || isNull, arrow, null), null),
          rep,
          slotDef,
          own,
          List.of(),
          primitive,
          path);
    }

    private FieldNode struct(
        GroupType group,
        String name,
        boolean nullable,
        String[] path,
        int own,
        int rep,
        int slotDef) {
      if (group.getFieldCount() == 0) {
        throw refuse(path, "empty group");
      }
      List<FieldNode> children = new ArrayList<>(group.getFieldCount());
      List<Field> fields = new ArrayList<>(group.getFieldCount());
      for (Type child : group.getFields()) {
        FieldNode node = field(child, path, own, rep, slotDef);
        children.add(node);
        fields.add(node.field);
      }
      return new FieldNode(
          FieldNode.Kind.STRUCT,
          new Field(name, new FieldType(nullable, ArrowType.Struct.INSTANCE, null), fields),
          rep,
          slotDef,
          own,
          List.copyOf(children),
          null,
          path);
    }

    private static FieldNode list(
        String name, boolean nullable, int rep, int slotDef, int own, FieldNode element) {
      return new FieldNode(
          FieldNode.Kind.LIST,
          new Field(
              name, new FieldType(nullable, ArrowType.List.INSTANCE, null), List.of(element.field)),
          rep,
          slotDef,
          own,
          List.of(element),
          null,
          null);
    }

    /** The repeated type itself as a non-null list element (2-level and unannotated forms). */
    private FieldNode repeatedElement(Type type, String[] path, int elementDef, int elementRep) {
      if (type.isPrimitive()) {
        return leaf(
            type.asPrimitiveType(),
            type.getName(),
            false,
            path,
            elementRep,
            elementDef,
            elementDef);
      }
      GroupType group = type.asGroupType();
      if (group.getLogicalTypeAnnotation() != null) {
        throw refuse(path, describeGroup(group));
      }
      return struct(group, group.getName(), false, path, elementDef, elementRep, elementDef);
    }

    private FieldNode listGroup(
        GroupType group, String[] path, boolean nullable, int own, int rep, int slotDef) {
      if (group.getFieldCount() != 1) {
        throw refuse(path, "LIST with " + group.getFieldCount() + " fields");
      }
      Type repeated = group.getType(0);
      if (!repeated.isRepetition(Type.Repetition.REPEATED)) {
        throw refuse(path, "LIST whose field '" + repeated.getName() + "' is not repeated");
      }
      String[] repeatedPath = append(path, repeated.getName());
      int elementDef = own + 1;
      int elementRep = rep + 1;
      FieldNode element;
      if (!repeated.isPrimitive()
          && repeated.asGroupType().getFieldCount() == 1
          && !hasStructListName(repeated.getName())) {
        Type only = repeated.asGroupType().getType(0);
        if (only.isRepetition(Type.Repetition.REPEATED)
            && !(repeated.getLogicalTypeAnnotation()
                instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation)) {
          // Ambiguous (a list of lists, or a list of structs?): Arrow C++ refuses it too.
          throw refuse(repeatedPath, "group whose only field is repeated, without LIST");
        }
        // Standard 3-level form: the repeated group only wraps the element.
        element =
            field(
                repeated.asGroupType().getType(0),
                repeatedPath,
                elementDef,
                elementRep,
                elementDef);
      } else if (repeated.getLogicalTypeAnnotation()
          instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation) {
        // Legacy form whose repeated group is itself a LIST: the element is that list (the
        // spec's backward-compatibility rule: the repeated type is the element type), as Arrow
        // C++, DuckDB and arrow-rs read it.
        element =
            listGroup(
                repeated.asGroupType(), repeatedPath, false, elementDef, elementRep, elementDef);
      } else if (!repeated.isPrimitive()) {
        // Legacy form: the repeated group is the element, a struct.
        element =
            struct(
                repeated.asGroupType(),
                repeated.getName(),
                false,
                repeatedPath,
                elementDef,
                elementRep,
                elementDef);
      } else {
        element = repeatedElement(repeated, repeatedPath, elementDef, elementRep);
      }
      return list(group.getName(), nullable, rep, slotDef, own, element);
    }

    private static boolean hasStructListName(String name) {
      return name.equals("array") || name.endsWith("_tuple");
    }

    private FieldNode mapGroup(
        GroupType group, String[] path, boolean nullable, int own, int rep, int slotDef) {
      if (group.getFieldCount() != 1) {
        throw refuse(path, "MAP with " + group.getFieldCount() + " fields");
      }
      Type keyValue = group.getType(0);
      if (!keyValue.isRepetition(Type.Repetition.REPEATED) || keyValue.isPrimitive()) {
        throw refuse(path, "MAP whose field '" + keyValue.getName() + "' is not a repeated group");
      }
      GroupType entries = keyValue.asGroupType();
      String[] entriesPath = append(path, entries.getName());
      if (entries.getFieldCount() != 1 && entries.getFieldCount() != 2) {
        throw refuse(entriesPath, "MAP entries of " + entries.getFieldCount() + " fields");
      }
      if (!entries.getType(0).isRepetition(Type.Repetition.REQUIRED)) {
        throw refuse(append(entriesPath, entries.getType(0).getName()), "MAP key not REQUIRED");
      }
      if (entries.getFieldCount() == 1) {
        // Arrow has no sets: a map without values reads as a list of keys, as in Arrow C++.
        return listGroup(group, path, nullable, own, rep, slotDef);
      }
      int entryDef = own + 1;
      int entryRep = rep + 1;
      FieldNode key = field(entries.getType(0), entriesPath, entryDef, entryRep, entryDef);
      FieldNode value = field(entries.getType(1), entriesPath, entryDef, entryRep, entryDef);
      FieldNode entry =
          new FieldNode(
              FieldNode.Kind.STRUCT,
              new Field(
                  // Arrow C++'s MapType names its entries "entries" whatever Parquet calls them.
                  "entries",
                  FieldType.notNullable(ArrowType.Struct.INSTANCE),
                  List.of(key.field, value.field)),
              entryRep,
              entryDef,
              entryDef,
              List.of(key, value),
              null,
              entriesPath);
      return new FieldNode(
          FieldNode.Kind.MAP,
          new Field(
              group.getName(),
              new FieldType(nullable, new ArrowType.Map(false), null),
              List.of(entry.field)),
          rep,
          slotDef,
          own,
          List.of(entry),
          null,
          path);
    }
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
  private static ArrowType arrowType(PrimitiveType type, TimeUnit int96Unit) {
    LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
    if (logical instanceof LogicalTypeAnnotation.UnknownLogicalTypeAnnotation) {
      // The null logical type ("UNKNOWN" in parquet-java): a column of nulls, whatever its
      // physical type.
      return ArrowType.Null.INSTANCE;
    }
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
        } else if (logical instanceof LogicalTypeAnnotation.GeometryLogicalTypeAnnotation
            || logical instanceof LogicalTypeAnnotation.GeographyLogicalTypeAnnotation) {
          // WKB bytes; Arrow C++ 18 reads GEOMETRY and GEOGRAPHY as binary too.
          return ArrowType.Binary.INSTANCE;
        }
        return null;
      case FIXED_LEN_BYTE_ARRAY:
        if (logical == null || logical instanceof LogicalTypeAnnotation.UUIDLogicalTypeAnnotation) {
          return new ArrowType.FixedSizeBinary(type.getTypeLength());
        } else if (logical instanceof DecimalLogicalTypeAnnotation d) {
          return decimal(d);
        } else if (logical instanceof LogicalTypeAnnotation.Float16LogicalTypeAnnotation
            && type.getTypeLength() == 2) {
          return new ArrowType.FloatingPoint(FloatingPointPrecision.HALF);
        }
        return null;
      case INT96:
        // Arrow C++'s default is nanoseconds (coerce_int96_timestamp_unit chooses another unit); no
        // time zone (INT96 carries no annotation).
        return logical == null ? new ArrowType.Timestamp(int96Unit, null) : null;
      default:
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
