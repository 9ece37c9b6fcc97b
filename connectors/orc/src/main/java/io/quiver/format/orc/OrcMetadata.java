package io.quiver.format.orc;

import io.quiver.format.ColumnStatistics;
import io.quiver.format.FileMetadata;
import io.quiver.storage.FileEntry;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.orc.CompressionKind;
import org.apache.orc.TypeDescription;
import org.apache.orc.impl.OrcTail;

/**
 * The tail of one version of an ORC file (postscript, footer and stripe statistics), as read by
 * {@link OrcFooters#read}: the ORC schema, its Arrow form, and the stripes. A {@link StripeDecoder}
 * reuses it, so decoding a stripe reads no footer again.
 *
 * <p>Units ({@link FileMetadata}) are stripes. {@link #columnBytes} is an estimate of the Arrow
 * bytes of a column in a stripe computed from the stripe statistics (value counts, string and
 * binary lengths); {@link #columnDiskBytes} gives the stored bytes when the writer recorded them.
 * {@link #statistics} converts the stripe statistics of top-level columns for pruning (see {@link
 * OrcStatistics} for which types get bounds).
 *
 * <p>Immutable and thread-safe. Holds heap objects only (no Arrow buffers).
 */
public final class OrcMetadata implements FileMetadata {
  /** The format name used in table definitions. */
  public static final String FORMAT = "orc";

  /**
   * One stripe as the footer describes it.
   *
   * @param offset position of the stripe's first byte in the file
   * @param length bytes of index, data and stripe footer together
   * @param rows number of rows
   * @param dataLength bytes of the data streams (the part a projection reads from)
   */
  public record Stripe(long offset, long length, long rows, long dataLength) {}

  private final FileEntry entry;
  private final OrcTail tail;
  private final TypeDescription orcSchema;
  private final Schema schema;
  private final Map<String, String> unsupported;
  private final List<Stripe> stripes;
  // Per stripe: top-level column name -> estimated Arrow bytes / bytes on disk.
  private final List<Map<String, Long>> arrowBytes;
  private final List<Map<String, Long>> diskBytes;
  // Per stripe: top-level column name -> statistics (absent: nothing known).
  private final List<Map<String, ColumnStatistics>> statistics;
  private final long heapBytes;

  OrcMetadata(
      FileEntry entry,
      OrcTail tail,
      Schema schema,
      Map<String, String> unsupported,
      List<Stripe> stripes,
      List<Map<String, Long>> arrowBytes,
      List<Map<String, Long>> diskBytes,
      List<Map<String, ColumnStatistics>> statistics) {
    this.entry = Objects.requireNonNull(entry, "entry");
    this.tail = Objects.requireNonNull(tail, "tail");
    this.orcSchema = tail.getSchema();
    this.schema = Objects.requireNonNull(schema, "schema");
    this.unsupported =
        java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(unsupported));
    this.stripes = List.copyOf(stripes);
    this.arrowBytes = List.copyOf(arrowBytes);
    this.diskBytes = List.copyOf(diskBytes);
    this.statistics = List.copyOf(statistics);
    long columns = orcSchema.getMaximumId() + 1L;
    // The parsed protobuf tail takes a few times its serialized size; stripes and maps add a
    // little per entry, statistics a record and their string bounds.
    long statisticsBytes = 0;
    for (Map<String, ColumnStatistics> stripe : this.statistics) {
      for (ColumnStatistics s : stripe.values()) {
        statisticsBytes += 96 + stringBytes(s.min()) + stringBytes(s.max());
      }
    }
    this.heapBytes =
        2048
            + 4L * tail.getSerializedTail().remaining()
            + (long) this.stripes.size() * (96 + 2 * 64L * schema.getFields().size())
            + columns * 200
            + statisticsBytes;
  }

  private static long stringBytes(Object value) {
    return value instanceof String s ? 48 + 2L * s.length() : 0;
  }

  /** The file version this tail belongs to. */
  public FileEntry entry() {
    return entry;
  }

  /** The ORC schema of the file (a struct of the top-level columns). */
  public TypeDescription orcSchema() {
    return orcSchema;
  }

  /** The file's compression codec. */
  public CompressionKind compression() {
    return tail.getCompressionKind();
  }

  /** The stripes, in file order. */
  public List<Stripe> stripes() {
    return stripes;
  }

  /** Whether the writer used the proleptic Gregorian calendar for dates and timestamps. */
  public boolean prolepticGregorian() {
    return tail.getFooter().hasCalendar()
        && tail.getFooter().getCalendar()
            == org.apache.orc.OrcProto.CalendarKind.PROLEPTIC_GREGORIAN;
  }

  /** orc-core's parsed tail, handed to its reader so that it does not read the tail again. */
  OrcTail tail() {
    return tail;
  }

  /**
   * Bytes that the streams of top-level column {@code column} occupy in stripe {@code unit} of the
   * file, as the writer recorded them in the stripe statistics; 0 if it did not.
   */
  public long columnDiskBytes(int unit, String column) {
    checkUnit(unit);
    return diskBytes.get(unit).getOrDefault(column, 0L);
  }

  @Override
  public String format() {
    return FORMAT;
  }

  @Override
  public Schema schema() {
    return schema;
  }

  /** Top-level columns with a union (which Quiver does not decode), with the reason. */
  @Override
  public Map<String, String> unsupportedColumns() {
    return unsupported;
  }

  @Override
  public int unitCount() {
    return stripes.size();
  }

  @Override
  public long unitRows(int unit) {
    checkUnit(unit);
    return stripes.get(unit).rows();
  }

  @Override
  public long columnBytes(int unit, String column) {
    checkUnit(unit);
    return arrowBytes.get(unit).getOrDefault(column, 0L);
  }

  /**
   * The stripe statistics of top-level column {@code column} in stripe {@code unit}, converted as
   * {@link OrcStatistics} describes; only the row count is known for a column the statistics do not
   * cover (or a file without stripe statistics).
   */
  @Override
  public ColumnStatistics statistics(int unit, String column) {
    checkUnit(unit);
    ColumnStatistics s = statistics.get(unit).get(column);
    return s != null ? s : ColumnStatistics.unknown(stripes.get(unit).rows());
  }

  @Override
  public long heapBytes() {
    return heapBytes;
  }

  @Override
  public long rowCount() {
    return tail.getFooter().getNumberOfRows();
  }

  /**
   * The ORC metadata inside {@code metadata}.
   *
   * @throws IllegalArgumentException if {@code metadata} is not ORC's
   */
  public static OrcMetadata of(FileMetadata metadata) {
    if (metadata instanceof OrcMetadata orc) {
      return orc;
    }
    throw new IllegalArgumentException(
        "Not ORC metadata: " + (metadata == null ? null : metadata.format()));
  }

  private void checkUnit(int unit) {
    if (unit < 0 || unit >= stripes.size()) {
      throw new IllegalArgumentException(
          "Stripe "
              + unit
              + " does not exist in "
              + entry.location()
              + " (it has "
              + stripes.size()
              + ")");
    }
  }

  @Override
  public String toString() {
    return "OrcMetadata["
        + entry.location()
        + ", "
        + stripes.size()
        + " stripes, "
        + rowCount()
        + " rows, "
        + orcSchema
        + "]";
  }
}
