package io.quiver.catalog;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The text form of a table's declared schema ({@code table create --schema}): columns separated by
 * commas, each a name and an Arrow type, e.g. {@code id int64, name string, ts timestamp[us], d
 * date32, price decimal(12,2)}. Type names are pyarrow's ({@code str(pa.int64())} is {@code
 * int64}), so a {@code pyarrow.Schema} prints into this form, with common SQL aliases:
 *
 * <ul>
 *   <li>{@code bool} ({@code boolean}); {@code int8}, {@code int16}, {@code int32}, {@code int64}
 *       ({@code tinyint}, {@code smallint}, {@code int}/{@code integer}, {@code bigint}); {@code
 *       uint8} … {@code uint64}; {@code float} ({@code float32}, {@code real}), {@code double}
 *       ({@code float64});
 *   <li>{@code string} ({@code utf8}, {@code varchar}), {@code large_string}, {@code binary},
 *       {@code large_binary};
 *   <li>{@code date32} ({@code date}, {@code date32[day]}), {@code date64} ({@code date64[ms]});
 *       {@code timestamp[s|ms|us|ns]} with an optional zone, {@code timestamp[us, tz=UTC]}; {@code
 *       time32[s|ms]}, {@code time64[us|ns]};
 *   <li>{@code decimal128(precision, scale)} ({@code decimal(p,s)}).
 * </ul>
 *
 * A name is an identifier or a double-quoted string ({@code ""} for a quote). Nested types are not
 * declared here. Every declared column is nullable (a file without it reads as nulls). Stateless.
 */
public final class DeclaredSchema {
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*");
  private static final Pattern TIMESTAMP =
      Pattern.compile(
          "timestamp\\[\\s*(s|ms|us|ns)\\s*(?:,\\s*(?:tz=)?([^\\]]+?))?\\s*\\]",
          Pattern.CASE_INSENSITIVE);
  private static final Pattern TIME = Pattern.compile("time(32|64)\\[(s|ms|us|ns)\\]");
  private static final Pattern DECIMAL =
      Pattern.compile("decimal(?:128)?\\(\\s*(\\d{1,2})\\s*,\\s*(-?\\d{1,2})\\s*\\)");

  private DeclaredSchema() {}

  /**
   * The schema {@code text} declares.
   *
   * @throws IllegalArgumentException naming the column or type that is not understood
   */
  public static Schema parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("Empty schema: declare columns as 'name type, ...'");
    }
    List<Field> fields = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (String column : splitTopLevel(text)) {
      String c = column.strip();
      if (c.isEmpty()) {
        throw new IllegalArgumentException("Empty column in schema '" + text + "'");
      }
      String name;
      String type;
      if (c.startsWith("\"")) {
        StringBuilder n = new StringBuilder();
        int i = 1;
        for (; i < c.length(); i++) {
          char ch = c.charAt(i);
          if (ch == '"') {
            if (i + 1 < c.length() && c.charAt(i + 1) == '"') {
              n.append('"');
              i++;
              continue;
            }
            break;
          }
          n.append(ch);
        }
        if (i >= c.length()) {
          throw new IllegalArgumentException("Unterminated quoted column name in '" + c + "'");
        }
        name = n.toString();
        type = c.substring(i + 1).strip();
      } else {
        int space = firstSpace(c);
        if (space < 0) {
          throw new IllegalArgumentException(
              "Column '" + c + "' has no type: declare it as 'name type', e.g. 'id int64'");
        }
        name = c.substring(0, space);
        type = c.substring(space + 1).strip();
        if (!IDENTIFIER.matcher(name).matches()) {
          throw new IllegalArgumentException(
              "Invalid column name '" + name + "': quote it, e.g. \"" + name + "\"");
        }
      }
      if (name.isEmpty()) {
        throw new IllegalArgumentException("Empty column name in '" + c + "'");
      }
      if (type.isEmpty()) {
        throw new IllegalArgumentException(
            "Column '" + name + "' has no type: declare it as 'name type', e.g. 'id int64'");
      }
      if (!names.add(name)) {
        throw new IllegalArgumentException("Column '" + name + "' is declared twice");
      }
      ArrowType arrowType;
      try {
        arrowType = type(type);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("Column '" + name + "': " + e.getMessage(), e);
      }
      fields.add(new Field(name, FieldType.nullable(arrowType), null));
    }
    return new Schema(fields);
  }

  /** {@code schema} in the form {@link #parse} reads (pyarrow's type names). */
  public static String format(Schema schema) {
    List<String> columns = new ArrayList<>();
    for (Field f : schema.getFields()) {
      String name =
          IDENTIFIER.matcher(f.getName()).matches()
              ? f.getName()
              : "\"" + f.getName().replace("\"", "\"\"") + "\"";
      columns.add(name + " " + typeName(f.getType()));
    }
    return String.join(", ", columns);
  }

  /**
   * The type named {@code name}.
   *
   * @throws IllegalArgumentException if it is not one this form declares
   */
  public static ArrowType type(String name) {
    String t = name.strip().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
    switch (t) {
      case "bool", "boolean":
        return ArrowType.Bool.INSTANCE;
      case "int8", "tinyint":
        return new ArrowType.Int(8, true);
      case "int16", "smallint":
        return new ArrowType.Int(16, true);
      case "int32", "int", "integer":
        return new ArrowType.Int(32, true);
      case "int64", "bigint", "long":
        return new ArrowType.Int(64, true);
      case "uint8":
        return new ArrowType.Int(8, false);
      case "uint16":
        return new ArrowType.Int(16, false);
      case "uint32":
        return new ArrowType.Int(32, false);
      case "uint64":
        return new ArrowType.Int(64, false);
      case "float", "float32", "real":
        return new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
      case "double", "float64":
        return new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
      case "string", "utf8", "varchar":
        return ArrowType.Utf8.INSTANCE;
      case "large_string", "large_utf8":
        return ArrowType.LargeUtf8.INSTANCE;
      case "binary":
        return ArrowType.Binary.INSTANCE;
      case "large_binary":
        return ArrowType.LargeBinary.INSTANCE;
      case "date32", "date", "date32[day]":
        return new ArrowType.Date(DateUnit.DAY);
      case "date64", "date64[ms]":
        return new ArrowType.Date(DateUnit.MILLISECOND);
      default:
        break;
    }
    Matcher m = TIMESTAMP.matcher(name.strip());
    if (m.matches()) {
      return new ArrowType.Timestamp(unit(m.group(1).toLowerCase(Locale.ROOT)), m.group(2));
    }
    m = TIME.matcher(t);
    if (m.matches()) {
      int bits = Integer.parseInt(m.group(1));
      TimeUnit unit = unit(m.group(2));
      boolean ok =
          bits == 32
              ? unit == TimeUnit.SECOND || unit == TimeUnit.MILLISECOND
              : unit == TimeUnit.MICROSECOND || unit == TimeUnit.NANOSECOND;
      if (!ok) {
        throw new IllegalArgumentException(
            "Unknown type '" + name + "': time32 takes s or ms, time64 us or ns");
      }
      return new ArrowType.Time(unit, bits);
    }
    m = DECIMAL.matcher(t);
    if (m.matches()) {
      int precision = Integer.parseInt(m.group(1));
      int scale = Integer.parseInt(m.group(2));
      if (precision < 1 || precision > 38 || scale > precision) {
        throw new IllegalArgumentException(
            "Invalid type '" + name + "': decimal precision is 1 to 38, scale at most precision");
      }
      return new ArrowType.Decimal(precision, scale, 128);
    }
    throw new IllegalArgumentException(
        "Unknown type '"
            + name
            + "' (use bool, int8..int64, uint8..uint64, float, double, string, large_string,"
            + " binary, large_binary, date32, date64, timestamp[s|ms|us|ns] (optionally"
            + " timestamp[us, tz=UTC]), time32[s|ms], time64[us|ns], decimal128(p, s))");
  }

  /**
   * The name of {@code type} in this form (pyarrow's), or its Arrow name for a type this form does
   * not declare.
   */
  public static String typeName(ArrowType type) {
    if (type instanceof ArrowType.Bool) {
      return "bool";
    }
    if (type instanceof ArrowType.Int i) {
      return (i.getIsSigned() ? "int" : "uint") + i.getBitWidth();
    }
    if (type instanceof ArrowType.FloatingPoint fp) {
      return switch (fp.getPrecision()) {
        case SINGLE -> "float";
        case DOUBLE -> "double";
        default -> "halffloat";
      };
    }
    if (type instanceof ArrowType.Utf8) {
      return "string";
    }
    if (type instanceof ArrowType.LargeUtf8) {
      return "large_string";
    }
    if (type instanceof ArrowType.Binary) {
      return "binary";
    }
    if (type instanceof ArrowType.LargeBinary) {
      return "large_binary";
    }
    if (type instanceof ArrowType.Date d) {
      return d.getUnit() == DateUnit.DAY ? "date32" : "date64";
    }
    if (type instanceof ArrowType.Timestamp ts) {
      String unit = unitName(ts.getUnit());
      return ts.getTimezone() == null
          ? "timestamp[" + unit + "]"
          : "timestamp[" + unit + ", tz=" + ts.getTimezone() + "]";
    }
    if (type instanceof ArrowType.Time tm) {
      return "time" + tm.getBitWidth() + "[" + unitName(tm.getUnit()) + "]";
    }
    if (type instanceof ArrowType.Decimal d && d.getBitWidth() == 128) {
      return "decimal128(" + d.getPrecision() + ", " + d.getScale() + ")";
    }
    return type.toString();
  }

  private static TimeUnit unit(String u) {
    return switch (u) {
      case "s" -> TimeUnit.SECOND;
      case "ms" -> TimeUnit.MILLISECOND;
      case "us" -> TimeUnit.MICROSECOND;
      default -> TimeUnit.NANOSECOND;
    };
  }

  private static String unitName(TimeUnit u) {
    return switch (u) {
      case SECOND -> "s";
      case MILLISECOND -> "ms";
      case MICROSECOND -> "us";
      case NANOSECOND -> "ns";
    };
  }

  private static int firstSpace(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isWhitespace(s.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  /** {@code text} split at the commas outside brackets and parentheses and quotes. */
  private static List<String> splitTopLevel(String text) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    boolean quoted = false;
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      } else if (!quoted && (c == '(' || c == '[' || c == '<')) {
        depth++;
      } else if (!quoted && (c == ')' || c == ']' || c == '>')) {
        depth--;
      } else if (!quoted && depth == 0 && c == ',') {
        parts.add(text.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(text.substring(start));
    return parts;
  }
}
