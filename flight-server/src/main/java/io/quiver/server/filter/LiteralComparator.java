package io.quiver.server.filter;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.util.ByteFunctionHelpers;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.BitVectorHelper;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;

/**
 * One literal converted to one column's Arrow type, able to compare it with the column's values in
 * a vector (per row, reading the buffers directly: no boxing) and with the bounds of {@link
 * io.quiver.format.ColumnStatistics}.
 *
 * <p>A literal that the type cannot represent exactly (an integer column against {@code 2.5}, a
 * {@code decimal(9,2)} against {@code 1.005}, a millisecond timestamp against a microsecond
 * literal) keeps SQL's meaning: it is bounded by the nearest representable values, so {@code x <
 * 2.5} is {@code x <= 2} and {@code x = 2.5} is never true.
 *
 * <p>Immutable and thread-safe.
 */
abstract sealed class LiteralComparator {

  /** {@code sign(value(row) - literal)} as -1, 0 or 1; the row must not be null. */
  abstract int compareRow(FieldVector vector, int row);

  /**
   * {@code sign(bound - literal)} for a statistics bound in {@link
   * io.quiver.format.ColumnStatistics}'s value domain, or {@link Integer#MIN_VALUE} if the bound is
   * not of the expected kind (the statistics are then ignored).
   */
  abstract int compareBound(Object bound);

  /**
   * Converts {@code literal} (a {@link Long}, {@link BigDecimal}, {@link Double}, {@link String} or
   * {@link Boolean}) for comparison with column {@code field}.
   *
   * @throws IllegalArgumentException naming the column if the type cannot be compared or the
   *     literal does not fit it
   */
  static LiteralComparator of(Field field, Object literal) {
    ArrowType type = field.getType();
    String column = field.getName();
    if (type instanceof ArrowType.Int i) {
      if (i.getBitWidth() == 64 && !i.getIsSigned()) {
        throw unsupported(field);
      }
      return LongComparator.of(number(column, type, literal), i.getBitWidth() / 8, i.getIsSigned());
    }
    if (type instanceof ArrowType.FloatingPoint f) {
      if (f.getPrecision() == FloatingPointPrecision.HALF) {
        throw unsupported(field);
      }
      return new DoubleComparator(
          number(column, type, literal).doubleValue(),
          f.getPrecision() == FloatingPointPrecision.SINGLE);
    }
    if (type instanceof ArrowType.Decimal d) {
      if (d.getBitWidth() != 128) {
        throw unsupported(field);
      }
      return DecimalComparator.of(number(column, type, literal), d.getScale());
    }
    if (type instanceof ArrowType.Utf8 || type instanceof ArrowType.LargeUtf8) {
      if (!(literal instanceof String s)) {
        throw mismatch(column, type, literal, "a string");
      }
      return new StringComparator(s);
    }
    if (type instanceof ArrowType.Bool) {
      if (!(literal instanceof Boolean b)) {
        throw mismatch(column, type, literal, "true or false");
      }
      return new BoolComparator(b);
    }
    if (type instanceof ArrowType.Date d) {
      LocalDate date = parse(column, type, literal, "a date 'YYYY-MM-DD'", LocalDate::parse);
      long days = date.toEpochDay();
      return switch (d.getUnit()) {
        case DAY -> LongComparator.of(BigDecimal.valueOf(days), 4, true);
        case MILLISECOND -> LongComparator.of(BigDecimal.valueOf(days * 86_400_000L), 8, true);
      };
    }
    if (type instanceof ArrowType.Timestamp t) {
      BigDecimal epoch =
          parse(
              column,
              type,
              literal,
              "an ISO-8601 timestamp such as '2024-01-31T12:00:00' or '2024-01-31T12:00:00Z'",
              s -> toEpochUnits(instant(s), t.getUnit()));
      return LongComparator.of(epoch, 8, true);
    }
    if (type instanceof ArrowType.Time t) {
      BigDecimal value =
          parse(
              column,
              type,
              literal,
              "a time 'HH:MM:SS[.fraction]'",
              s -> {
                LocalTime time = LocalTime.parse(s);
                return toUnits(BigDecimal.valueOf(time.toNanoOfDay()), t.getUnit());
              });
      return LongComparator.of(value, t.getBitWidth() / 8, true);
    }
    throw unsupported(field);
  }

  private static IllegalArgumentException unsupported(Field field) {
    return new IllegalArgumentException(
        "Column '"
            + field.getName()
            + "' has type "
            + field.getType()
            + ", which filters can only test with is_null / is_not_null");
  }

  private static IllegalArgumentException mismatch(
      String column, ArrowType type, Object literal, String expected) {
    return new IllegalArgumentException(
        "Filter on column '"
            + column
            + "' ("
            + type
            + ") needs "
            + expected
            + ", got "
            + describe(literal));
  }

  private static String describe(Object literal) {
    return literal instanceof String s ? "'" + s + "'" : String.valueOf(literal);
  }

  private static BigDecimal number(String column, ArrowType type, Object literal) {
    if (literal instanceof Long l) {
      return BigDecimal.valueOf(l);
    }
    if (literal instanceof BigDecimal d) {
      return d;
    }
    if (literal instanceof Double d) {
      return BigDecimal.valueOf(d);
    }
    throw mismatch(column, type, literal, "a number");
  }

  private interface Parser<T> {
    T parse(String s);
  }

  private static <T> T parse(
      String column, ArrowType type, Object literal, String expected, Parser<T> parser) {
    if (!(literal instanceof String s)) {
      throw mismatch(column, type, literal, expected);
    }
    try {
      return parser.parse(s.trim());
    } catch (DateTimeParseException | ArithmeticException e) {
      throw mismatch(column, type, literal, expected);
    }
  }

  /**
   * An ISO-8601 instant: with an offset or {@code Z}, else a wall-clock time read as UTC (also for
   * columns without a time zone, whose values are UTC wall-clock times); a date alone is midnight.
   */
  private static Instant instant(String s) {
    String iso = s.length() > 10 && s.charAt(10) == ' ' ? s.replaceFirst(" ", "T") : s;
    if (iso.length() == 10) {
      return LocalDate.parse(iso).atStartOfDay().toInstant(ZoneOffset.UTC);
    }
    try {
      return OffsetDateTime.parse(iso).toInstant();
    } catch (DateTimeParseException e) {
      return LocalDateTime.parse(iso).toInstant(ZoneOffset.UTC);
    }
  }

  private static BigDecimal toEpochUnits(Instant instant, TimeUnit unit) {
    BigDecimal nanos =
        BigDecimal.valueOf(instant.getEpochSecond())
            .multiply(BigDecimal.valueOf(1_000_000_000L))
            .add(BigDecimal.valueOf(instant.getNano()));
    return toUnits(nanos, unit);
  }

  private static BigDecimal toUnits(BigDecimal nanos, TimeUnit unit) {
    long per =
        switch (unit) {
          case SECOND -> 1_000_000_000L;
          case MILLISECOND -> 1_000_000L;
          case MICROSECOND -> 1_000L;
          case NANOSECOND -> 1L;
        };
    return nanos.divide(BigDecimal.valueOf(per));
  }

  /** Integers, dates, times and timestamps: fixed-width values read as a long. */
  static final class LongComparator extends LiteralComparator {
    private final long floor;
    private final boolean exact;
    // -1: the literal is below every long (every value is greater); 1: above every long.
    private final int outside;
    private final int width;
    private final boolean signed;

    private LongComparator(long floor, boolean exact, int outside, int width, boolean signed) {
      this.floor = floor;
      this.exact = exact;
      this.outside = outside;
      this.width = width;
      this.signed = signed;
    }

    static LongComparator of(BigDecimal literal, int width, boolean signed) {
      BigInteger floor = literal.setScale(0, RoundingMode.FLOOR).toBigIntegerExact();
      boolean exact = literal.compareTo(new BigDecimal(floor)) == 0;
      if (floor.bitLength() >= 64) {
        return new LongComparator(0, false, floor.signum() < 0 ? -1 : 1, width, signed);
      }
      return new LongComparator(floor.longValueExact(), exact, 0, width, signed);
    }

    private int compare(long value) {
      if (outside != 0) {
        return -outside;
      }
      int c = Long.compare(value, floor);
      return c == 0 && !exact ? -1 : c;
    }

    @Override
    int compareRow(FieldVector vector, int row) {
      ArrowBuf data = vector.getDataBuffer();
      long v =
          switch (width) {
            case 1 -> signed ? data.getByte(row) : data.getByte(row) & 0xFFL;
            case 2 -> signed ? data.getShort(row * 2L) : data.getShort(row * 2L) & 0xFFFFL;
            case 4 -> signed ? data.getInt(row * 4L) : data.getInt(row * 4L) & 0xFFFF_FFFFL;
            default -> data.getLong(row * 8L);
          };
      return compare(v);
    }

    @Override
    int compareBound(Object bound) {
      return bound instanceof Long l ? compare(l) : Integer.MIN_VALUE;
    }
  }

  /**
   * Floating point, with NaN greater than every number and equal to itself and {@code -0.0 = 0.0}
   * (the order of DuckDB and PostgreSQL). Floats are widened to double.
   */
  static final class DoubleComparator extends LiteralComparator {
    private final double literal;
    private final boolean single;

    DoubleComparator(double literal, boolean single) {
      this.literal = literal;
      this.single = single;
    }

    @Override
    int compareRow(FieldVector vector, int row) {
      ArrowBuf data = vector.getDataBuffer();
      double v = single ? data.getFloat(row * 4L) : data.getDouble(row * 8L);
      if (v < literal) {
        return -1;
      }
      if (v > literal) {
        return 1;
      }
      return v == literal ? 0 : 1; // NaN (the literal is finite)
    }

    @Override
    int compareBound(Object bound) {
      return Integer.MIN_VALUE; // floating-point statistics are not used
    }
  }

  /** 128-bit decimals, compared as unscaled two's-complement integers at the column's scale. */
  static final class DecimalComparator extends LiteralComparator {
    private final BigDecimal literal;
    private final long high;
    private final long low;
    private final boolean exact;
    private final int outside;

    private DecimalComparator(BigDecimal literal, long high, long low, boolean exact, int outside) {
      this.literal = literal;
      this.high = high;
      this.low = low;
      this.exact = exact;
      this.outside = outside;
    }

    static DecimalComparator of(BigDecimal literal, int scale) {
      BigDecimal floor = literal.setScale(scale, RoundingMode.FLOOR);
      boolean exact = floor.compareTo(literal) == 0;
      BigInteger unscaled = floor.unscaledValue();
      if (unscaled.bitLength() >= 128) {
        return new DecimalComparator(literal, 0, 0, false, unscaled.signum() < 0 ? -1 : 1);
      }
      return new DecimalComparator(
          literal, unscaled.shiftRight(64).longValue(), unscaled.longValue(), exact, 0);
    }

    @Override
    int compareRow(FieldVector vector, int row) {
      if (outside != 0) {
        return -outside;
      }
      ArrowBuf data = vector.getDataBuffer();
      long vLow = data.getLong(row * 16L);
      long vHigh = data.getLong(row * 16L + 8);
      int c = Long.compare(vHigh, high);
      if (c == 0) {
        c = Long.compareUnsigned(vLow, low);
      }
      return c == 0 && !exact ? -1 : Integer.signum(c);
    }

    @Override
    int compareBound(Object bound) {
      return bound instanceof BigDecimal d
          ? Integer.signum(d.compareTo(literal))
          : Integer.MIN_VALUE;
    }
  }

  /** UTF-8 strings, compared byte by byte (unsigned), which is code point order. */
  static final class StringComparator extends LiteralComparator {
    private final byte[] literal;

    StringComparator(String literal) {
      this.literal = literal.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    int compareRow(FieldVector vector, int row) {
      ArrowBuf offsets = vector.getOffsetBuffer();
      ArrowBuf data = vector.getDataBuffer();
      long start;
      long end;
      if (vector instanceof BaseVariableWidthVector) {
        start = offsets.getInt((long) row * 4);
        end = offsets.getInt((long) row * 4 + 4);
      } else {
        start = offsets.getLong((long) row * 8);
        end = offsets.getLong((long) row * 8 + 8);
      }
      return Integer.signum(
          ByteFunctionHelpers.compare(data, (int) start, (int) end, literal, 0, literal.length));
    }

    @Override
    int compareBound(Object bound) {
      if (!(bound instanceof String s)) {
        return Integer.MIN_VALUE;
      }
      return Integer.signum(
          java.util.Arrays.compareUnsigned(s.getBytes(StandardCharsets.UTF_8), literal));
    }
  }

  /** Booleans, false &lt; true. */
  static final class BoolComparator extends LiteralComparator {
    private final boolean literal;

    BoolComparator(boolean literal) {
      this.literal = literal;
    }

    @Override
    int compareRow(FieldVector vector, int row) {
      boolean v = BitVectorHelper.get(((BitVector) vector).getDataBuffer(), row) != 0;
      return Boolean.compare(v, literal);
    }

    @Override
    int compareBound(Object bound) {
      return bound instanceof Boolean b ? Boolean.compare(b, literal) : Integer.MIN_VALUE;
    }
  }
}
