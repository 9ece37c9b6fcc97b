package io.quiver.catalog;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;

/**
 * The type of a hive-style partition column ({@code key=value} directory segments): declared at
 * {@code table create} or inferred from every value of the key. Values are held as {@link Long} for
 * {@link #INT64}, {@link Long} days since 1970-01-01 for {@link #DATE} and {@link String} for
 * {@link #STRING}, the value domains of {@link io.quiver.format.ColumnStatistics}.
 */
public enum PartitionType {
  INT64(new ArrowType.Int(64, true)),
  DATE(new ArrowType.Date(DateUnit.DAY)),
  STRING(ArrowType.Utf8.INSTANCE);

  /** Hive's name for a null partition value. */
  public static final String HIVE_DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__";

  private static final Pattern INTEGER = Pattern.compile("[-+]?[0-9]{1,19}");
  private static final Pattern DATE_TEXT = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}");

  private final ArrowType arrowType;

  PartitionType(ArrowType arrowType) {
    this.arrowType = arrowType;
  }

  public ArrowType arrowType() {
    return arrowType;
  }

  /** The lower-case name used in the catalog and by clients ({@code int64}, {@code date}, ...). */
  public String typeName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The type named {@code name}: {@code int64} (or {@code bigint}, {@code integer}, {@code long}),
   * {@code date}, {@code string}.
   *
   * @throws IllegalArgumentException naming the accepted names
   */
  public static PartitionType of(String name) {
    return switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "int64", "bigint", "integer", "long", "int" -> INT64;
      case "date" -> DATE;
      case "string", "utf8", "varchar" -> STRING;
      default ->
          throw new IllegalArgumentException(
              "Unknown partition column type '" + name + "' (use int64, date or string)");
    };
  }

  /**
   * The value of decoded directory text {@code text} in this type, or null for {@link
   * #HIVE_DEFAULT_PARTITION}.
   *
   * @throws IllegalArgumentException if the text is not a value of this type
   */
  public Object parse(String text) {
    if (text == null || HIVE_DEFAULT_PARTITION.equals(text)) {
      return null;
    }
    switch (this) {
      case INT64:
        if (!INTEGER.matcher(text).matches()) {
          throw new IllegalArgumentException("'" + text + "' is not an integer");
        }
        try {
          return Long.parseLong(text);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("'" + text + "' does not fit in int64", e);
        }
      case DATE:
        if (!DATE_TEXT.matcher(text).matches()) {
          throw new IllegalArgumentException("'" + text + "' is not a date (yyyy-mm-dd)");
        }
        try {
          return LocalDate.parse(text).toEpochDay();
        } catch (DateTimeException e) {
          throw new IllegalArgumentException("'" + text + "' is not a valid date", e);
        }
      default:
        return text;
    }
  }

  /** Whether {@code text} is a value of this type (null and the default partition always are). */
  public boolean accepts(String text) {
    try {
      parse(text);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** {@code value} (as {@link #parse} returns it) as text: a date as yyyy-mm-dd. */
  public String format(Object value) {
    if (value == null) {
      return null;
    }
    return this == DATE ? LocalDate.ofEpochDay((Long) value).toString() : value.toString();
  }

  /**
   * Decodes the {@code %xx} escapes of a hive-style path segment as Hive writes them (the bytes of
   * UTF-8; a {@code %} not followed by two hex digits stays as it is; {@code +} is not a space).
   */
  public static String unescape(String segment) {
    if (segment.indexOf('%') < 0) {
      return segment;
    }
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(segment.length());
    byte[] raw = segment.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (int i = 0; i < raw.length; i++) {
      if (raw[i] == '%' && i + 2 < raw.length && hex(raw[i + 1]) >= 0 && hex(raw[i + 2]) >= 0) {
        bytes.write(hex(raw[i + 1]) * 16 + hex(raw[i + 2]));
        i += 2;
      } else {
        bytes.write(raw[i]);
      }
    }
    return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static int hex(byte b) {
    return Character.digit((char) b, 16);
  }
}
