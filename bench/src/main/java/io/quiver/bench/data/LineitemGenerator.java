package io.quiver.bench.data;

import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BINARY;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.DOUBLE;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT32;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT64;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Types;

/**
 * Writes a deterministic TPC-H {@code lineitem}-like table as Parquet files {@code
 * part-00000.parquet}, {@code part-00001.parquet}, ...
 *
 * <p>Row {@code i} of the table depends only on the seed and {@code i} (see {@link
 * LineitemSource}), so the same seed gives the same rows whatever the file count, and
 * byte-identical files for the same options. Rows are split into contiguous, nearly equal ranges,
 * one per file. In the {@linkplain Options#sortedByShipDate() sorted layout} the same rows are
 * ordered by {@code l_shipdate} (ties by row index) before being split, so each file and row group
 * covers a narrow ship-date range; in the unsorted layout they are in row-index order (ship dates
 * scattered).
 */
public final class LineitemGenerator {

  /** Rows at scale factor 1, like TPC-H's lineitem. */
  public static final long SF1_ROWS = 6_001_215L;

  /** Default row group size, 128 MiB. */
  public static final long DEFAULT_ROW_GROUP_SIZE = 128L * 1024 * 1024;

  /** Default page size, 1 MiB. */
  public static final int DEFAULT_PAGE_SIZE = 1024 * 1024;

  /** Column names in schema order. */
  public static final List<String> COLUMNS =
      List.of(
          "l_orderkey",
          "l_partkey",
          "l_suppkey",
          "l_linenumber",
          "l_quantity",
          "l_extendedprice",
          "l_discount",
          "l_tax",
          "l_returnflag",
          "l_linestatus",
          "l_shipdate",
          "l_commitdate",
          "l_receiptdate",
          "l_shipinstruct",
          "l_shipmode",
          "l_comment");

  /** The decimal(15,2) columns, which {@link Options#decimalsAsDouble()} turns into DOUBLE. */
  public static final List<String> DECIMAL_COLUMNS =
      List.of("l_quantity", "l_extendedprice", "l_discount", "l_tax");

  private static final Pattern PART_FILE = Pattern.compile("part-(\\d{5,})\\.parquet");
  private static final int PROGRESS_STEP = 1 << 16;

  private LineitemGenerator() {}

  /** The file name of part {@code index}: {@code part-00000.parquet}, ... */
  public static String fileName(int index) {
    return String.format(Locale.ROOT, "part-%05d.parquet", index);
  }

  /** Rows for a scale factor: {@code round(sf × 6,001,215)}. */
  public static long rowsForScaleFactor(double scaleFactor) {
    if (!(scaleFactor >= 0) || Double.isInfinite(scaleFactor)) {
      throw new IllegalArgumentException("scale factor must be >= 0: " + scaleFactor);
    }
    return Math.round(scaleFactor * SF1_ROWS);
  }

  /**
   * The Parquet schema: all columns required; decimals are DECIMAL(15,2) on INT64 (or DOUBLE),
   * dates DATE on INT32, strings STRING on BINARY.
   */
  public static MessageType schema(boolean decimalsAsDouble) {
    LogicalTypeAnnotation decimal = LogicalTypeAnnotation.decimalType(2, 15);
    LogicalTypeAnnotation date = LogicalTypeAnnotation.dateType();
    LogicalTypeAnnotation string = LogicalTypeAnnotation.stringType();
    Types.MessageTypeBuilder b = Types.buildMessage();
    b.required(INT64).named("l_orderkey");
    b.required(INT64).named("l_partkey");
    b.required(INT64).named("l_suppkey");
    b.required(INT32).named("l_linenumber");
    for (String name : DECIMAL_COLUMNS) {
      if (decimalsAsDouble) {
        b.required(DOUBLE).named(name);
      } else {
        b.required(INT64).as(decimal).named(name);
      }
    }
    b.required(BINARY).as(string).named("l_returnflag");
    b.required(BINARY).as(string).named("l_linestatus");
    b.required(INT32).as(date).named("l_shipdate");
    b.required(INT32).as(date).named("l_commitdate");
    b.required(INT32).as(date).named("l_receiptdate");
    b.required(BINARY).as(string).named("l_shipinstruct");
    b.required(BINARY).as(string).named("l_shipmode");
    b.required(BINARY).as(string).named("l_comment");
    return b.named("lineitem");
  }

  /**
   * Writes the table into {@code directory} (created if missing) and returns the files in order.
   * Existing {@code part-NNNNN.parquet} files there are overwritten, and those with an index at or
   * beyond {@link Options#files()} are deleted so the directory holds exactly this table's parts.
   * Files are written in parallel by {@link Options#effectiveParallelism()} threads.
   */
  public static List<Path> write(Path directory, Options options, ProgressListener listener)
      throws IOException {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(listener, "listener");
    Files.createDirectories(directory);
    deleteStaleParts(directory, options.files());

    int[] order = options.sortedByShipDate() ? shipDateOrder(options) : null;
    Progress progress = new Progress(options.rows(), listener);
    progress.add(0);

    List<Path> paths = new ArrayList<>(options.files());
    List<FileTask> tasks = new ArrayList<>(options.files());
    for (int f = 0; f < options.files(); f++) {
      Path path = directory.resolve(fileName(f));
      paths.add(path);
      tasks.add(new FileTask(path, options, firstRow(options, f), firstRow(options, f + 1), order));
    }
    int threads = options.effectiveParallelism();
    if (threads <= 1) {
      for (FileTask task : tasks) {
        task.write(progress);
      }
    } else {
      runParallel(tasks, threads, progress);
    }
    return List.copyOf(paths);
  }

  /**
   * First row position (inclusive) of file {@code f}; the first {@code rows % files} get one more.
   */
  static long firstRow(Options options, int f) {
    long per = options.rows() / options.files();
    long extra = options.rows() % options.files();
    return per * f + Math.min(f, extra);
  }

  /** Row indexes ordered by (l_shipdate, index): a stable counting sort over the date range. */
  static int[] shipDateOrder(Options options) {
    int n = (int) options.rows();
    LineitemSource source = new LineitemSource(options.seed());
    int span = LineitemSource.MAX_SHIP_DATE - LineitemSource.MIN_SHIP_DATE + 1;
    short[] day = new short[n];
    int[] next = new int[span + 1];
    for (int i = 0; i < n; i++) {
      int d = source.shipDate(i) - LineitemSource.MIN_SHIP_DATE;
      day[i] = (short) d;
      next[d + 1]++;
    }
    for (int d = 0; d < span; d++) {
      next[d + 1] += next[d];
    }
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[next[day[i]]++] = i;
    }
    return order;
  }

  private static void runParallel(List<FileTask> tasks, int threads, Progress progress)
      throws IOException {
    AtomicInteger threadNumber = new AtomicInteger();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "lineitem-writer-" + threadNumber.getAndIncrement());
              t.setDaemon(true);
              return t;
            });
    try {
      List<Future<?>> futures = new ArrayList<>(tasks.size());
      for (FileTask task : tasks) {
        futures.add(
            pool.submit(
                () -> {
                  try {
                    task.write(progress);
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                }));
      }
      for (Future<?> future : futures) {
        try {
          future.get();
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof UncheckedIOException u) {
            throw u.getCause();
          }
          if (cause instanceof RuntimeException r) {
            throw r;
          }
          if (cause instanceof Error err) {
            throw err;
          }
          throw new IOException(cause);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          InterruptedIOException interrupted = new InterruptedIOException("interrupted");
          interrupted.initCause(e);
          throw interrupted;
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static void deleteStaleParts(Path directory, int files) throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, "part-*.parquet")) {
      for (Path entry : entries) {
        Matcher m = PART_FILE.matcher(entry.getFileName().toString());
        if (m.matches() && Long.parseLong(m.group(1)) >= files && Files.isRegularFile(entry)) {
          Files.delete(entry);
        }
      }
    }
  }

  /** Writes one file: positions [from, to) of the table. */
  private record FileTask(Path path, Options options, long from, long to, int[] order) {

    void write(Progress progress) throws IOException {
      Map<String, String> metadata = new LinkedHashMap<>();
      metadata.put("quiver.generator", "lineitem");
      metadata.put("quiver.lineitem.seed", Long.toString(options.seed()));
      metadata.put("quiver.lineitem.rows", Long.toString(options.rows()));
      metadata.put("quiver.lineitem.first_row", Long.toString(from));
      metadata.put("quiver.lineitem.sorted_by", order == null ? "" : "l_shipdate");
      LineitemWriteSupport support = new LineitemWriteSupport(options.decimalsAsDouble(), metadata);
      LineitemSource source = new LineitemSource(options.seed());
      LineitemRow row = new LineitemRow();
      long pending = 0;
      try (ParquetWriter<LineitemRow> writer =
          new WriterBuilder(new LocalOutputFile(path), support)
              .withConf(new PlainParquetConfiguration())
              .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
              .withCompressionCodec(options.codec())
              .withRowGroupSize(options.rowGroupSizeBytes())
              .withPageSize(options.pageSizeBytes())
              .withDictionaryEncoding(true)
              .build()) {
        for (long p = from; p < to; p++) {
          source.fill(order == null ? p : order[(int) p], row);
          writer.write(row);
          if (++pending == PROGRESS_STEP) {
            progress.add(pending);
            pending = 0;
          }
        }
      }
      progress.add(pending);
    }
  }

  private static final class WriterBuilder
      extends ParquetWriter.Builder<LineitemRow, WriterBuilder> {
    private final WriteSupport<LineitemRow> support;

    WriterBuilder(OutputFile file, WriteSupport<LineitemRow> support) {
      super(file);
      this.support = support;
    }

    @Override
    protected WriterBuilder self() {
      return this;
    }

    @Override
    @SuppressWarnings("deprecation") // abstract in ParquetWriter.Builder; never called here
    protected WriteSupport<LineitemRow> getWriteSupport(Configuration conf) {
      return support;
    }

    @Override
    protected WriteSupport<LineitemRow> getWriteSupport(ParquetConfiguration conf) {
      return support;
    }
  }

  /** Serializes listener calls across writer threads. */
  private static final class Progress {
    private final long total;
    private final ProgressListener listener;
    private long done;

    Progress(long total, ProgressListener listener) {
      this.total = total;
      this.listener = listener;
    }

    synchronized void add(long rows) {
      done += rows;
      listener.onProgress(done, total);
    }
  }

  /**
   * What to generate and how to write it.
   *
   * @param rows table rows (see {@link Builder#scaleFactor(double)})
   * @param files number of files, at least 1 (files beyond the row count are empty)
   * @param codec compression codec (SNAPPY by default; ZSTD, UNCOMPRESSED, ...)
   * @param rowGroupSizeBytes target row group size in bytes, as buffered by the writer
   * @param pageSizeBytes target page size in bytes
   * @param sortedByShipDate write the rows ordered by {@code l_shipdate} across all files
   * @param decimalsAsDouble write the four decimal columns as DOUBLE instead of DECIMAL(15,2)
   * @param seed seed of the values
   * @param parallelism writer threads; 0 means min(files, available processors)
   */
  public record Options(
      long rows,
      int files,
      CompressionCodecName codec,
      long rowGroupSizeBytes,
      int pageSizeBytes,
      boolean sortedByShipDate,
      boolean decimalsAsDouble,
      long seed,
      int parallelism) {

    /** Largest row count for the sorted layout (its permutation is an int array). */
    public static final long MAX_SORTED_ROWS = Integer.MAX_VALUE - 8;

    public Options {
      Objects.requireNonNull(codec, "codec");
      if (rows < 0) {
        throw new IllegalArgumentException("rows must be >= 0: " + rows);
      }
      if (files < 1) {
        throw new IllegalArgumentException("files must be >= 1: " + files);
      }
      if (rowGroupSizeBytes < 1) {
        throw new IllegalArgumentException("rowGroupSizeBytes must be >= 1: " + rowGroupSizeBytes);
      }
      if (pageSizeBytes < 1) {
        throw new IllegalArgumentException("pageSizeBytes must be >= 1: " + pageSizeBytes);
      }
      if (parallelism < 0) {
        throw new IllegalArgumentException("parallelism must be >= 0: " + parallelism);
      }
      if (sortedByShipDate && rows > MAX_SORTED_ROWS) {
        throw new IllegalArgumentException(
            "the sorted layout supports at most " + MAX_SORTED_ROWS + " rows: " + rows);
      }
    }

    public static Builder builder() {
      return new Builder();
    }

    public Builder toBuilder() {
      return new Builder()
          .rows(rows)
          .files(files)
          .codec(codec)
          .rowGroupSizeBytes(rowGroupSizeBytes)
          .pageSizeBytes(pageSizeBytes)
          .sortedByShipDate(sortedByShipDate)
          .decimalsAsDouble(decimalsAsDouble)
          .seed(seed)
          .parallelism(parallelism);
    }

    /** Writer threads actually used. */
    public int effectiveParallelism() {
      int wanted = parallelism == 0 ? Runtime.getRuntime().availableProcessors() : parallelism;
      return Math.max(1, Math.min(files, wanted));
    }

    /** Defaults: SF 1, 1 file, SNAPPY, 128 MiB row groups, 1 MiB pages, unsorted, seed 1. */
    public static final class Builder {
      private long rows = SF1_ROWS;
      private int files = 1;
      private CompressionCodecName codec = CompressionCodecName.SNAPPY;
      private long rowGroupSizeBytes = DEFAULT_ROW_GROUP_SIZE;
      private int pageSizeBytes = DEFAULT_PAGE_SIZE;
      private boolean sortedByShipDate;
      private boolean decimalsAsDouble;
      private long seed = 1;
      private int parallelism;

      private Builder() {}

      public Builder rows(long rows) {
        this.rows = rows;
        return this;
      }

      /** Sets rows to {@code round(sf × 6,001,215)}: SF 0.1 → 600,122, SF 1 → 6,001,215. */
      public Builder scaleFactor(double scaleFactor) {
        this.rows = rowsForScaleFactor(scaleFactor);
        return this;
      }

      public Builder files(int files) {
        this.files = files;
        return this;
      }

      public Builder codec(CompressionCodecName codec) {
        this.codec = codec;
        return this;
      }

      public Builder rowGroupSizeBytes(long rowGroupSizeBytes) {
        this.rowGroupSizeBytes = rowGroupSizeBytes;
        return this;
      }

      public Builder pageSizeBytes(int pageSizeBytes) {
        this.pageSizeBytes = pageSizeBytes;
        return this;
      }

      public Builder sortedByShipDate(boolean sortedByShipDate) {
        this.sortedByShipDate = sortedByShipDate;
        return this;
      }

      public Builder decimalsAsDouble(boolean decimalsAsDouble) {
        this.decimalsAsDouble = decimalsAsDouble;
        return this;
      }

      public Builder seed(long seed) {
        this.seed = seed;
        return this;
      }

      public Builder parallelism(int parallelism) {
        this.parallelism = parallelism;
        return this;
      }

      public Options build() {
        return new Options(
            rows,
            files,
            codec,
            rowGroupSizeBytes,
            pageSizeBytes,
            sortedByShipDate,
            decimalsAsDouble,
            seed,
            parallelism);
      }
    }
  }
}
