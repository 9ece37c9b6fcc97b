package io.quiver.protocol;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A row filter of a scan command: comparisons of a column with literals, {@code IN}, {@code
 * BETWEEN}, {@code IS [NOT] NULL}, combined with {@code AND}, {@code OR} and {@code NOT}, with
 * SQL's three-valued logic (a row is kept only when the filter is TRUE; a comparison with a NULL
 * value is NULL). {@link FilterJson} is its wire form.
 *
 * <p>Literals are untyped here: a number ({@link Long} or {@link BigDecimal} or {@link Double}), a
 * {@link String} or a {@link Boolean}. The server converts them to the column's type when it binds
 * the filter to a table's schema (dates and timestamps are ISO-8601 strings) and refuses a literal
 * that does not fit the column. The factories accept the usual Java types ({@code int}, {@link
 * LocalDate}, {@link Instant}, …) and normalize them to these. A {@code null} literal is refused:
 * use {@link IsNull}.
 *
 * <p>Immutable and thread-safe.
 */
public sealed interface Filter {

  /** A comparison operator, by its SQL symbol. */
  enum CompareOp {
    EQ("="),
    NE("<>"),
    LT("<"),
    LE("<="),
    GT(">"),
    GE(">=");

    private final String symbol;

    CompareOp(String symbol) {
      this.symbol = symbol;
    }

    public String symbol() {
      return symbol;
    }

    /** The operator that is TRUE exactly where this one is FALSE (on non-null values). */
    public CompareOp negate() {
      return switch (this) {
        case EQ -> NE;
        case NE -> EQ;
        case LT -> GE;
        case LE -> GT;
        case GT -> LE;
        case GE -> LT;
      };
    }

    /** Whether {@code sign(value - literal)} satisfies this operator. */
    public boolean test(int sign) {
      return switch (this) {
        case EQ -> sign == 0;
        case NE -> sign != 0;
        case LT -> sign < 0;
        case LE -> sign <= 0;
        case GT -> sign > 0;
        case GE -> sign >= 0;
      };
    }

    /**
     * @throws IllegalArgumentException naming the symbol if it is not a comparison
     */
    public static CompareOp ofSymbol(String symbol) {
      for (CompareOp op : values()) {
        if (op.symbol.equals(symbol)) {
          return op;
        }
      }
      if ("!=".equals(symbol)) {
        return NE;
      }
      throw new IllegalArgumentException("Unknown filter operator '" + symbol + "'");
    }
  }

  /** {@code column op value}. */
  record Compare(String column, CompareOp op, Object value) implements Filter {
    public Compare {
      column = checkColumn(column);
      Objects.requireNonNull(op, "op");
      value = literal(value);
    }
  }

  /** {@code column IN (values…)}: TRUE if equal to one of them. */
  record In(String column, List<Object> values) implements Filter {
    public In {
      column = checkColumn(column);
      if (values == null || values.isEmpty()) {
        throw new IllegalArgumentException("IN on '" + column + "' needs at least one value");
      }
      List<Object> normalized = new ArrayList<>(values.size());
      for (Object v : values) {
        normalized.add(literal(v));
      }
      values = List.copyOf(normalized);
    }
  }

  /** {@code column BETWEEN low AND high} (both ends included). */
  record Between(String column, Object low, Object high) implements Filter {
    public Between {
      column = checkColumn(column);
      low = literal(low);
      high = literal(high);
    }
  }

  /** {@code column IS NULL}. */
  record IsNull(String column) implements Filter {
    public IsNull {
      column = checkColumn(column);
    }
  }

  /** {@code column IS NOT NULL}. */
  record IsNotNull(String column) implements Filter {
    public IsNotNull {
      column = checkColumn(column);
    }
  }

  /** TRUE if every operand is TRUE. */
  record And(List<Filter> operands) implements Filter {
    public And {
      operands = checkOperands("AND", operands);
    }
  }

  /** TRUE if some operand is TRUE. */
  record Or(List<Filter> operands) implements Filter {
    public Or {
      operands = checkOperands("OR", operands);
    }
  }

  /** TRUE where the operand is FALSE (NULL stays NULL). */
  record Not(Filter operand) implements Filter {
    public Not {
      Objects.requireNonNull(operand, "NOT needs an operand");
    }
  }

  static Filter eq(String column, Object value) {
    return new Compare(column, CompareOp.EQ, value);
  }

  static Filter ne(String column, Object value) {
    return new Compare(column, CompareOp.NE, value);
  }

  static Filter lt(String column, Object value) {
    return new Compare(column, CompareOp.LT, value);
  }

  static Filter le(String column, Object value) {
    return new Compare(column, CompareOp.LE, value);
  }

  static Filter gt(String column, Object value) {
    return new Compare(column, CompareOp.GT, value);
  }

  static Filter ge(String column, Object value) {
    return new Compare(column, CompareOp.GE, value);
  }

  static Filter in(String column, Object... values) {
    return new In(column, java.util.Arrays.asList(values));
  }

  static Filter between(String column, Object low, Object high) {
    return new Between(column, low, high);
  }

  static Filter isNull(String column) {
    return new IsNull(column);
  }

  static Filter isNotNull(String column) {
    return new IsNotNull(column);
  }

  static Filter and(Filter... operands) {
    return new And(List.of(operands));
  }

  static Filter or(Filter... operands) {
    return new Or(List.of(operands));
  }

  static Filter not(Filter operand) {
    return new Not(operand);
  }

  private static String checkColumn(String column) {
    if (column == null || column.isEmpty()) {
      throw new IllegalArgumentException("A filter needs a column name");
    }
    return column;
  }

  private static List<Filter> checkOperands(String op, List<Filter> operands) {
    if (operands == null || operands.isEmpty()) {
      throw new IllegalArgumentException(op + " needs at least one operand");
    }
    for (Filter f : operands) {
      Objects.requireNonNull(f, op + " operand");
    }
    return List.copyOf(operands);
  }

  /**
   * Normalizes a Java value to a wire literal: {@link Long}, {@link BigDecimal}, {@link Double},
   * {@link String} or {@link Boolean}.
   *
   * @throws IllegalArgumentException for null or an unsupported type
   */
  static Object literal(Object value) {
    if (value == null) {
      throw new IllegalArgumentException(
          "A filter literal cannot be null (a comparison with NULL is never true): use IS NULL");
    }
    if (value instanceof Long || value instanceof String || value instanceof Boolean) {
      return value;
    }
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof BigInteger b) {
      return b.bitLength() < 64 ? (Object) b.longValue() : new BigDecimal(b);
    }
    if (value instanceof BigDecimal d) {
      return d;
    }
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new IllegalArgumentException("A filter literal must be a finite number, got " + d);
      }
      return d;
    }
    if (value instanceof LocalDate
        || value instanceof LocalDateTime
        || value instanceof OffsetDateTime
        || value instanceof Instant) {
      return value.toString();
    }
    if (value instanceof Character c) {
      return c.toString();
    }
    throw new IllegalArgumentException(
        "Unsupported filter literal type " + value.getClass().getName() + ": " + value);
  }
}
