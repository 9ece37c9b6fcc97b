package io.quiver.bench.data;

import java.util.Locale;
import java.util.Objects;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * The parameters of one generated benchmark dataset; {@link #key()} names its cache directory, so a
 * dataset generated once with the same parameters is reused by later runs.
 *
 * @param rows table rows ({@link #ofScaleFactor} derives them from a TPC-H scale factor)
 * @param files number of Parquet files
 * @param codec compression codec
 * @param sortedByShipDate the layout: rows ordered by {@code l_shipdate}, or in generation order
 * @param rowGroupSizeBytes the writer's row-group size target
 * @param seed value seed
 */
public record DatasetSpec(
    long rows,
    int files,
    CompressionCodecName codec,
    boolean sortedByShipDate,
    long rowGroupSizeBytes,
    long seed) {

  /** Row groups of 64 MiB as buffered by parquet-java: several per file at SF ≥ 1. */
  public static final long DEFAULT_ROW_GROUP_SIZE = 64L << 20;

  public DatasetSpec {
    Objects.requireNonNull(codec, "codec");
    // Validated once here so a bad combination fails before any work starts.
    options(rows, files, codec, sortedByShipDate, rowGroupSizeBytes, seed);
  }

  /**
   * A dataset for a TPC-H scale factor: about one file per 750k rows (at least 4), so SF 0.1 has 4
   * files, SF 1 has 8 and SF 5 has 40, each of one or more row groups.
   */
  public static DatasetSpec ofScaleFactor(
      double scaleFactor, CompressionCodecName codec, boolean sortedByShipDate) {
    long rows = LineitemGenerator.rowsForScaleFactor(scaleFactor);
    int files = (int) Math.max(4, Math.round(rows / 750_000.0));
    // Small tables get smaller row groups so that even a quick run has several chunks per column.
    long rowGroup = rows < 1_000_000 ? 8L << 20 : DEFAULT_ROW_GROUP_SIZE;
    return new DatasetSpec(rows, files, codec, sortedByShipDate, rowGroup, 1);
  }

  /** The directory name under the data cache: every parameter that changes the bytes. */
  public String key() {
    return String.format(
        Locale.ROOT,
        "lineitem-r%d-f%d-%s-%s-rg%dm-s%d",
        rows,
        files,
        codec.name().toLowerCase(Locale.ROOT),
        sortedByShipDate ? "sorted" : "unsorted",
        rowGroupSizeBytes >> 20,
        seed);
  }

  /** The generator options for this dataset. */
  public LineitemGenerator.Options options() {
    return options(rows, files, codec, sortedByShipDate, rowGroupSizeBytes, seed);
  }

  private static LineitemGenerator.Options options(
      long rows,
      int files,
      CompressionCodecName codec,
      boolean sorted,
      long rowGroupSizeBytes,
      long seed) {
    return LineitemGenerator.Options.builder()
        .rows(rows)
        .files(files)
        .codec(codec)
        .sortedByShipDate(sorted)
        .rowGroupSizeBytes(rowGroupSizeBytes)
        .seed(seed)
        .build();
  }
}
