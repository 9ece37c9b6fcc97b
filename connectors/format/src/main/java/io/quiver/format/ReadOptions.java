package io.quiver.format;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.vector.types.TimeUnit;

/**
 * How a mount asks its files to be read, where the file alone does not decide the decoded values:
 * today the unit INT96 timestamps are read in, as Arrow C++'s {@code coerce_int96_timestamp_unit}
 * reader property. Options change the Arrow types and values decoders produce, so they are part of
 * every cache key ({@link #cacheVariant()}) and of the metadata cache's key.
 *
 * <p>Formats that have nothing an option applies to (ORC has no INT96) ignore it. Immutable and
 * thread-safe.
 *
 * @param int96TimestampUnit the unit of Parquet INT96 timestamps: {@link TimeUnit#NANOSECOND} (the
 *     default, Arrow C++'s too), which wraps silently outside the years 1677–2262 as Arrow C++
 *     does, or a coarser unit that reaches further
 */
public record ReadOptions(TimeUnit int96TimestampUnit) {
  /** The mount option choosing {@link #int96TimestampUnit()}: {@code ns}, {@code us}, ... */
  public static final String INT96_TIMESTAMP_UNIT_OPTION = "int96-timestamp-unit";

  /** The options of a mount that sets none: what Arrow C++ does by default. */
  public static final ReadOptions DEFAULTS = new ReadOptions(TimeUnit.NANOSECOND);

  private static final Map<String, TimeUnit> UNITS =
      Map.of(
          "ns", TimeUnit.NANOSECOND,
          "us", TimeUnit.MICROSECOND,
          "ms", TimeUnit.MILLISECOND,
          "s", TimeUnit.SECOND);

  public ReadOptions {
    Objects.requireNonNull(int96TimestampUnit, "int96TimestampUnit");
  }

  /**
   * The read options a mount's options set; options this class does not read are ignored.
   *
   * @throws IllegalArgumentException naming the option and the values allowed, if a value is bad
   */
  public static ReadOptions fromMountOptions(Map<String, String> options) {
    String unit = options.get(INT96_TIMESTAMP_UNIT_OPTION);
    if (unit == null) {
      return DEFAULTS;
    }
    TimeUnit parsed = UNITS.get(unit.strip().toLowerCase(Locale.ROOT));
    if (parsed == null) {
      throw new IllegalArgumentException(
          "Bad value '"
              + unit
              + "' for option "
              + INT96_TIMESTAMP_UNIT_OPTION
              + " (allowed: ns, us, ms, s; the default is ns, as in Arrow C++)");
    }
    return new ReadOptions(parsed);
  }

  /**
   * A short text that differs between options decoding to different values, for cache keys: empty
   * for {@link #DEFAULTS} (so keys made before options existed stay valid), else e.g. {@code
   * int96=us}.
   */
  public String cacheVariant() {
    if (int96TimestampUnit == TimeUnit.NANOSECOND) {
      return "";
    }
    return "int96=" + unitName(int96TimestampUnit);
  }

  private static String unitName(TimeUnit unit) {
    return switch (unit) {
      case SECOND -> "s";
      case MILLISECOND -> "ms";
      case MICROSECOND -> "us";
      case NANOSECOND -> "ns";
    };
  }
}
