package io.quiver.protocol.action;

import java.util.List;
import java.util.Map;

/**
 * {@code describe-table}'s answer: a table's columns (with how much of each is cached) and files,
 * as its files are now.
 *
 * @param fileCount the table's files; {@code files} lists at most {@link #MAX_FILES_LISTED}
 * @param rows rows over all files
 * @param bytes the files' sizes in the store
 * @param rowGroups units (Parquet row groups, ORC stripes) over all files
 * @param partitions the partition columns with their types ({@code int64}, {@code date}, {@code
 *     string}), in directory order; empty if the table is not partitioned
 * @param schemaSource {@value #DECLARED} if the table's file columns were declared at {@code table
 *     create --schema}, {@value #INFERRED} if they are unified from the files' footers
 * @param declaredSchema the declared columns ({@code name type, ...}), or null if inferred
 */
public record DescribeTableResponse(
    String name,
    String path,
    String format,
    long fileCount,
    long rows,
    long bytes,
    long rowGroups,
    Map<String, String> partitions,
    List<Column> columns,
    List<FileInfo> files,
    String schemaSource,
    String declaredSchema) {
  /** At most this many files are listed. */
  public static final int MAX_FILES_LISTED = 1000;

  /** {@link #schemaSource()} of a table whose columns were declared. */
  public static final String DECLARED = "declared";

  /** {@link #schemaSource()} of a table whose columns are inferred from its files. */
  public static final String INFERRED = "inferred";

  public DescribeTableResponse {
    ActionJson.required(name, "name");
    partitions =
        partitions == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(partitions));
    columns = columns == null ? List.of() : List.copyOf(columns);
    files = files == null ? List.of() : List.copyOf(files);
    schemaSource =
        schemaSource == null ? (declaredSchema == null ? INFERRED : DECLARED) : schemaSource;
  }

  /**
   * One column.
   *
   * @param type its Arrow type, e.g. {@code Int(64, true)}, {@code Utf8}
   * @param partition whether its values come from {@code key=value} directories (nothing to cache)
   * @param files the files that hold it (a column missing from the others reads as nulls there)
   * @param bytes its decoded size as the files' metadata states it (0 for a partition column)
   * @param cachedBytes how much of it the cache holds now (memory and disk)
   * @param cachedChunks how many of its chunks (one per unit) the cache holds
   * @param chunks how many chunks it has (units of the files that hold it)
   */
  public record Column(
      String name,
      String type,
      boolean nullable,
      boolean partition,
      long files,
      long bytes,
      long cachedBytes,
      long cachedChunks,
      long chunks) {}

  /**
   * One file.
   *
   * @param partitionValues its partition values as text (null for {@code
   *     __HIVE_DEFAULT_PARTITION__})
   */
  public record FileInfo(
      String path,
      long bytes,
      long rows,
      long rowGroups,
      String version,
      Map<String, String> partitionValues) {}
}
