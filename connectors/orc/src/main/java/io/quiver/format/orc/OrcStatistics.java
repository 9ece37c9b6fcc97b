package io.quiver.format.orc;

import io.quiver.format.ColumnStatistics;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.orc.OrcFile;
import org.apache.orc.OrcProto;
import org.apache.orc.StripeStatistics;
import org.apache.orc.TypeDescription;
import org.apache.orc.protobuf.ByteString;

/**
 * Converts the stripe statistics of an ORC file's top-level columns to {@link ColumnStatistics}, in
 * the value domain of the Arrow types {@link OrcSchemas} gives those columns. It reads the protobuf
 * messages directly, so that it sees which fields the writer set and the raw UTF-8 bytes of string
 * bounds.
 *
 * <p>Bounds are given only where the stored statistics and the decoded Arrow values agree:
 *
 * <ul>
 *   <li>tinyint, smallint, int, bigint: the integer minimum and maximum ({@link Long}).
 *   <li>date: the minimum and maximum in days ({@link Long}); the decoder keeps the writer's
 *       calendar, so the statistics' day numbers are the decoded values.
 *   <li>string, varchar(n): the minimum and maximum, or the lower and upper bounds that writers
 *       record instead when the values were too long (ORC-203); only if the bytes are valid UTF-8
 *       (so that the {@link String} has the same byte order) and the writer is not a Hive writer
 *       from before HIVE-8732, which merged string statistics wrongly. varchar values are stored
 *       truncated and their statistics are of the truncated values.
 *   <li>decimal(p,s) with p &gt; 0: the minimum and maximum, widened to the column's scale (floor
 *       and ceiling) in case a stored value had more digits than the decoder keeps; not for files
 *       written by ORC Java 1.5 (writer version ORC-135) for p &le; 18, whose decimal64 statistics
 *       are wrong (ORC-517; orc-core ignores them too).
 *   <li>boolean: from the count of true values and the count of values.
 * </ul>
 *
 * <p>Left without bounds: float and double (statistics may leave out NaN), timestamps (stored in
 * milliseconds, shifted by the writer's time zone before ORC-135, while the column is in
 * nanoseconds), char(n) (the statistics are of space-padded values, whose byte order is not the
 * decoded values' order), binary, decimals of precision 0 (Hive 0.11; rescaled to 6 digits when
 * decoded) and nested columns.
 *
 * <p>The null count is the stripe's rows minus the statistics' number of values, which counts the
 * non-null values of a column (for every type); it is -1 if the writer did not record the number or
 * it contradicts the {@code hasNull} flag.
 *
 * <p>Stateless and thread-safe.
 */
final class OrcStatistics {
  private OrcStatistics() {}

  /**
   * The statistics of every top-level column of {@code schema} in one stripe.
   *
   * @param statistics the stripe's statistics, holding an entry for every column id of {@code
   *     schema}
   * @param rows the stripe's rows
   */
  static Map<String, ColumnStatistics> ofStripe(
      TypeDescription schema,
      StripeStatistics statistics,
      long rows,
      OrcFile.WriterVersion writer) {
    List<String> names = schema.getFieldNames();
    List<TypeDescription> children = schema.getChildren();
    Map<String, ColumnStatistics> result = new HashMap<>();
    for (int i = 0; i < names.size(); i++) {
      TypeDescription column = children.get(i);
      OrcProto.ColumnStatistics stats = statistics.getColumn(column.getId());
      if (stats != null) {
        result.put(names.get(i), of(column, stats, rows, writer));
      }
    }
    return result;
  }

  /** The statistics of one top-level column of type {@code type} in a stripe of {@code rows}. */
  static ColumnStatistics of(
      TypeDescription type,
      OrcProto.ColumnStatistics stats,
      long rows,
      OrcFile.WriterVersion writer) {
    long nulls = nullCount(stats, rows);
    long values = stats.hasNumberOfValues() ? stats.getNumberOfValues() : -1;
    if (nulls == rows) {
      return new ColumnStatistics(null, null, nulls, rows); // all null: no values to bound
    }
    Object min = null;
    Object max = null;
    switch (type.getCategory()) {
      case BYTE:
      case SHORT:
      case INT:
      case LONG:
        if (stats.hasIntStatistics()) {
          OrcProto.IntegerStatistics s = stats.getIntStatistics();
          if (s.hasMinimum() && s.hasMaximum()) {
            min = s.getMinimum();
            max = s.getMaximum();
          }
        }
        break;
      case DATE:
        if (stats.hasDateStatistics()) {
          OrcProto.DateStatistics s = stats.getDateStatistics();
          if (s.hasMinimum() && s.hasMaximum()) {
            min = (long) s.getMinimum();
            max = (long) s.getMaximum();
          }
        }
        break;
      case STRING:
      case VARCHAR:
        if (stats.hasStringStatistics() && writer.includes(OrcFile.WriterVersion.HIVE_8732)) {
          OrcProto.StringStatistics s = stats.getStringStatistics();
          min =
              utf8(
                  s.hasMinimum() ? s.getMinimumBytes() : null,
                  s.hasLowerBound() ? s.getLowerBoundBytes() : null);
          max =
              utf8(
                  s.hasMaximum() ? s.getMaximumBytes() : null,
                  s.hasUpperBound() ? s.getUpperBoundBytes() : null);
        }
        break;
      case DECIMAL:
        if (stats.hasDecimalStatistics()
            && type.getPrecision() > 0
            && !(writer == OrcFile.WriterVersion.ORC_135 && type.getPrecision() <= 18)) {
          OrcProto.DecimalStatistics s = stats.getDecimalStatistics();
          if (s.hasMinimum() && s.hasMaximum()) {
            min = decimal(s.getMinimum(), type.getScale(), RoundingMode.FLOOR);
            max = decimal(s.getMaximum(), type.getScale(), RoundingMode.CEILING);
          }
        }
        break;
      case BOOLEAN:
        if (stats.hasBucketStatistics()
            && stats.getBucketStatistics().getCountCount() > 0
            && values > 0) {
          long trues = stats.getBucketStatistics().getCount(0);
          if (trues >= 0 && trues <= values) {
            min = trues == values; // false unless every value is true
            max = trues > 0;
          }
        }
        break;
      default:
        break;
    }
    return new ColumnStatistics(min, max, nulls, rows);
  }

  /**
   * Rows minus non-null values, if the writer recorded them and they agree with {@code hasNull};
   * else 0 if {@code hasNull} says there are none; else -1.
   */
  private static long nullCount(OrcProto.ColumnStatistics stats, long rows) {
    if (stats.hasNumberOfValues()) {
      long values = stats.getNumberOfValues();
      if (values >= 0 && values <= rows) {
        long nulls = rows - values;
        if (!stats.hasHasNull() || stats.getHasNull() == (nulls > 0)) {
          return nulls;
        }
      }
      return -1;
    }
    return stats.hasHasNull() && !stats.getHasNull() ? 0 : -1;
  }

  /** The exact value if recorded, else the (truncated) bound; null unless valid UTF-8. */
  private static String utf8(ByteString exact, ByteString bound) {
    ByteString bytes = exact != null ? exact : bound;
    if (bytes == null || !bytes.isValidUtf8()) {
      return null;
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static BigDecimal decimal(String value, int scale, RoundingMode widen) {
    try {
      return new BigDecimal(value.trim()).setScale(scale, widen);
    } catch (NumberFormatException | ArithmeticException e) {
      return null;
    }
  }
}
