package io.quiver.spark;

import io.quiver.protocol.Filter;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.sql.connector.expressions.Expression;
import org.apache.spark.sql.connector.expressions.Literal;
import org.apache.spark.sql.connector.expressions.NamedReference;
import org.apache.spark.sql.connector.expressions.filter.Predicate;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Translates Spark's data source V2 predicates into a scan command's {@link Filter}, for the
 * predicates whose meaning the server's filter keeps exactly: comparisons ({@code =}, {@code <>},
 * {@code <}, {@code <=}, {@code >}, {@code >=}, {@code <=>}), {@code IN}, {@code IS [NOT] NULL},
 * {@code AND}, {@code OR} and {@code NOT}, on top-level columns of the types the filter compares
 * (signed integers, unsigned up to 32 bits, float32/64, decimal128, strings, booleans, dates,
 * timestamps in s/ms/µs, times of day), with literals of the column's own Spark type. Both follow
 * SQL's three-valued logic, compare strings by UTF-8 bytes (Spark's default collation), order NaN
 * above every number and equal to itself, and {@code -0.0 = 0.0}; so a translated predicate needs
 * no second evaluation by Spark.
 *
 * <p>Everything else stays with Spark: other functions ({@code STARTS_WITH}, arithmetic, casts, …),
 * nested fields, binary and uint64 columns, nanosecond timestamps (Spark sees them truncated to µs,
 * the server compares nanoseconds), decimals wider than 38 digits, strings with a collation, NaN
 * and infinite literals, dates and timestamps outside years 1–9999. {@code IS [NOT] NULL} is
 * translated on every column type. Stateless and thread-safe.
 */
final class PredicateTranslation {
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS");
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSSSSS");

  private final Schema schema;

  PredicateTranslation(Schema schema) {
    this.schema = schema;
  }

  /** The filter meaning exactly {@code predicate}, or null if it cannot be pushed. */
  Filter translate(Predicate predicate) {
    try {
      return predicate(predicate);
    } catch (IllegalArgumentException e) {
      // A literal the filter refuses (NaN, say): Spark keeps the predicate.
      return null;
    }
  }

  private Filter predicate(Expression e) {
    if (!(e instanceof Predicate p)) {
      return null;
    }
    Expression[] args = p.children();
    switch (p.name()) {
      case "AND":
      case "OR":
        {
          List<Filter> operands = new ArrayList<>();
          for (Expression a : args) {
            Filter f = predicate(a);
            if (f == null) {
              return null;
            }
            operands.add(f);
          }
          return p.name().equals("AND") ? new Filter.And(operands) : new Filter.Or(operands);
        }
      case "NOT":
        {
          Filter f = args.length == 1 ? predicate(args[0]) : null;
          return f == null ? null : Filter.not(f);
        }
      case "IS_NULL":
      case "IS_NOT_NULL":
        {
          Field column = args.length == 1 ? column(args[0]) : null;
          if (column == null) {
            return null;
          }
          return p.name().equals("IS_NULL")
              ? Filter.isNull(column.getName())
              : Filter.isNotNull(column.getName());
        }
      case "IN":
        {
          Field column = args.length >= 2 ? comparable(args[0]) : null;
          if (column == null) {
            return null;
          }
          List<Object> values = new ArrayList<>();
          for (int i = 1; i < args.length; i++) {
            Object v = literal(args[i], column);
            if (v == null) {
              return null;
            }
            values.add(v);
          }
          return new Filter.In(column.getName(), values);
        }
      case "=":
      case "<>":
      case "!=":
      case "<":
      case "<=":
      case ">":
      case ">=":
      case "<=>":
        return comparison(p.name(), args);
      default:
        return null;
    }
  }

  private Filter comparison(String op, Expression[] args) {
    if (args.length != 2) {
      return null;
    }
    boolean flipped = !(args[0] instanceof NamedReference);
    Expression ref = flipped ? args[1] : args[0];
    Expression lit = flipped ? args[0] : args[1];
    Field column = comparable(ref);
    if (column == null || !(lit instanceof Literal<?> l)) {
      return null;
    }
    String name = column.getName();
    if (op.equals("<=>")) {
      if (l.value() == null) {
        return Filter.isNull(name);
      }
      Object v = literal(lit, column);
      // NULL <=> v is FALSE (not NULL): under NOT it must keep the null rows.
      return v == null ? null : Filter.and(Filter.isNotNull(name), Filter.eq(name, v));
    }
    Object v = literal(lit, column);
    if (v == null) {
      return null;
    }
    Filter.CompareOp cmp = Filter.CompareOp.ofSymbol(op);
    if (flipped) {
      cmp =
          switch (cmp) {
            case LT -> Filter.CompareOp.GT;
            case LE -> Filter.CompareOp.GE;
            case GT -> Filter.CompareOp.LT;
            case GE -> Filter.CompareOp.LE;
            default -> cmp;
          };
    }
    return new Filter.Compare(name, cmp, v);
  }

  /** The top-level column {@code e} names, or null. */
  private Field column(Expression e) {
    if (!(e instanceof NamedReference ref) || ref.fieldNames().length != 1) {
      return null;
    }
    String name = ref.fieldNames()[0];
    for (Field f : schema.getFields()) {
      if (f.getName().equals(name)) {
        return f;
      }
    }
    return null;
  }

  /** The column {@code e} names if the server compares values of its type exactly as Spark does. */
  private Field comparable(Expression e) {
    Field f = column(e);
    if (f == null) {
      return null;
    }
    ArrowType t = f.getType();
    switch (t.getTypeID()) {
      case Int:
        {
          ArrowType.Int i = (ArrowType.Int) t;
          return i.getIsSigned() || i.getBitWidth() <= 32 ? f : null;
        }
      case FloatingPoint:
        return ((ArrowType.FloatingPoint) t).getPrecision()
                == org.apache.arrow.vector.types.FloatingPointPrecision.HALF
            ? null
            : f;
      case Decimal:
        return ((ArrowType.Decimal) t).getBitWidth() == 128 ? f : null;
      case Timestamp:
        return ((ArrowType.Timestamp) t).getUnit() == TimeUnit.NANOSECOND ? null : f;
      case Utf8:
      case LargeUtf8:
      case Bool:
      case Date:
      case Time:
        return f;
      default:
        return null;
    }
  }

  /**
   * The filter literal of a Spark literal whose type is the column's Spark type, or null. Spark's
   * literals are in its internal forms: {@link UTF8String}, {@link Decimal}, days for dates,
   * microseconds for timestamps, nanoseconds of the day for times.
   */
  private static Object literal(Expression e, Field column) {
    if (!(e instanceof Literal<?> l) || l.value() == null) {
      return null;
    }
    DataType type = l.dataType();
    if (!type.equals(ArrowToSpark.sparkType(column))) {
      return null;
    }
    Object v = l.value();
    if (type.equals(DataTypes.StringType)) {
      return v.toString();
    }
    if (type instanceof DecimalType) {
      return ((Decimal) v).toJavaBigDecimal();
    }
    if (type.equals(DataTypes.DateType)) {
      LocalDate d = LocalDate.ofEpochDay((Integer) v);
      return inYears1To9999(d.getYear()) ? d.toString() : null;
    }
    if (type.equals(DataTypes.TimestampType) || type.equals(DataTypes.TimestampNTZType)) {
      long micros = (Long) v;
      LocalDateTime t =
          LocalDateTime.ofEpochSecond(
              Math.floorDiv(micros, 1_000_000L),
              (int) Math.floorMod(micros, 1_000_000L) * 1_000,
              ZoneOffset.UTC);
      if (!inYears1To9999(t.getYear())) {
        return null;
      }
      // With a time zone the literal is an instant ("Z"); without, a wall-clock time.
      return TIMESTAMP.format(t) + (type.equals(DataTypes.TimestampType) ? "Z" : "");
    }
    if (column.getType() instanceof ArrowType.Time) {
      // TIME(6), or a long of nanoseconds since midnight when Spark's TIME type is off.
      long nanos = (Long) v;
      return nanos >= 0 && nanos < 86_400_000_000_000L
          ? TIME.format(LocalTime.ofNanoOfDay(nanos))
          : null;
    }
    if (v instanceof Number || v instanceof Boolean) {
      return v;
    }
    return null;
  }

  private static boolean inYears1To9999(int year) {
    return year >= 1 && year <= 9999;
  }
}
