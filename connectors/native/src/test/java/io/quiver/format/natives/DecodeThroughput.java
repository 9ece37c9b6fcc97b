package io.quiver.format.natives;

import io.quiver.format.parquet.ParquetFooters;
import io.quiver.format.parquet.RowGroupDecoder;
import io.quiver.storage.StorageInput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * Measures single-threaded decode throughput of {@link RowGroupDecoder} (parquet-java) and {@link
 * NativeParquetDecoder} (Arrow C++) on the same file, warm page cache: MB/s of Arrow data produced
 * (sum of the vectors' buffer sizes) and rows/s, for all columns and for a 2-column projection. Not
 * a test; run by hand:
 *
 * <pre>
 * mvn -q -o test-compile -pl connectors/native
 * mvn -q -o dependency:build-classpath -Dmdep.outputFile=/tmp/native.cp -pl connectors/native
 * java --add-opens=java.base/java.nio=ALL-UNNAMED \
 *   -cp connectors/native/target/test-classes:connectors/native/target/classes:$(cat /tmp/native.cp) \
 *   io.quiver.format.natives.DecodeThroughput [file] [rows] [iterations]
 * </pre>
 *
 * The file (default {@code /tmp/quiver-decode-bench/lineitem-like.parquet}, 2.5M rows, about 100
 * MB) is written with parquet-hadoop (snappy, 32 MiB row groups, dictionary on) when missing: int64
 * keys, two DECIMAL(12,2) on INT64, two doubles, two dates and three strings.
 */
public final class DecodeThroughput {
  private static final int BATCH_ROWS = 64 * 1024;
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean)
          java.lang.management.ManagementFactory.getOperatingSystemMXBean();
  private static final List<String> TWO_COLUMNS = List.of("l_extendedprice", "l_shipdate");

  private DecodeThroughput() {}

  public static void main(String[] args) throws IOException {
    Path file =
        Paths.get(args.length > 0 ? args[0] : "/tmp/quiver-decode-bench/lineitem-like.parquet");
    long rows = args.length > 1 ? Long.parseLong(args[1]) : 2_500_000L;
    int iterations = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    if (!Files.exists(file)) {
      Files.createDirectories(file.toAbsolutePath().getParent());
      long start = System.nanoTime();
      write(file, rows);
      System.out.printf(
          "wrote %s (%d rows) in %.1f s%n", file, rows, (System.nanoTime() - start) / 1e9);
    }
    System.out.printf(
        "file %s: %.1f MB, native scratch %s%n",
        file, Files.size(file) / 1e6, NativeParquetDecoder.defaultScratchDirectory());
    try (StorageInput input = Decoding.open(file);
        BufferAllocator allocator = new RootAllocator()) {
      ParquetMetadata footer = ParquetFooters.read(input);
      List<String> all = Decoding.allColumns(footer);
      System.out.printf(
          "%d row groups, batchRows %d, %d timed iterations after 2 warm-ups (median)%n",
          footer.getBlocks().size(), BATCH_ROWS, iterations);
      for (List<String> columns : List.of(all, TWO_COLUMNS)) {
        for (String name : List.of("java", "native")) {
          Decoding.RowGroupDecode decoder =
              name.equals("java") ? RowGroupDecoder::decode : NativeParquetDecoder::decode;
          double[] seconds = new double[iterations];
          double[] cpu = new double[iterations];
          long[] totals = null;
          for (int i = -2; i < iterations; i++) {
            long cpuStart = OS.getProcessCpuTime();
            long start = System.nanoTime();
            long[] t = decodeFile(input, footer, columns, allocator, decoder);
            double s = (System.nanoTime() - start) / 1e9;
            if (i >= 0) {
              seconds[i] = s;
              cpu[i] = (OS.getProcessCpuTime() - cpuStart) / 1e9;
              totals = t;
            }
          }
          Arrays.sort(seconds);
          Arrays.sort(cpu);
          double median = seconds[iterations / 2];
          double cpuMedian = cpu[iterations / 2];
          System.out.printf(
              "%-6s %-2d cols: %7.1f ms  %8.1f MB/s Arrow  %6.2f M rows/s  cpu %7.1f ms"
                  + "  (%.1f MB, %d rows; min %.1f ms, max %.1f ms)%n",
              name,
              columns.size(),
              median * 1e3,
              totals[1] / 1e6 / median,
              totals[0] / 1e6 / median,
              cpuMedian * 1e3,
              totals[1] / 1e6,
              totals[0],
              seconds[0] * 1e3,
              seconds[iterations - 1] * 1e3);
        }
        double[] direct = new double[iterations];
        double[] directCpu = new double[iterations];
        for (int i = -2; i < iterations; i++) {
          long cpuStart = OS.getProcessCpuTime();
          long start = System.nanoTime();
          scanDirectly(file, columns);
          if (i >= 0) {
            direct[i] = (System.nanoTime() - start) / 1e9;
            directCpu[i] = (OS.getProcessCpuTime() - cpuStart) / 1e9;
          }
        }
        Arrays.sort(direct);
        Arrays.sort(directCpu);
        System.out.printf(
            "arrow-c++ whole-file scan, no extract, no copy (baseline), %-2d cols: %7.1f ms"
                + "  cpu %7.1f ms%n",
            columns.size(), direct[iterations / 2] * 1e3, directCpu[iterations / 2] * 1e3);
        double[] extract = new double[iterations];
        for (int i = -2; i < iterations; i++) {
          long start = System.nanoTime();
          extractFile(input, footer, columns);
          if (i >= 0) {
            extract[i] = (System.nanoTime() - start) / 1e9;
          }
        }
        Arrays.sort(extract);
        System.out.printf(
            "native %-2d cols, extract phase only: %7.1f ms%n",
            columns.size(), extract[iterations / 2] * 1e3);
      }
    }
  }

  /** Arrow C++ scanning the original file as the oracle does, batches dropped. */
  private static void scanDirectly(Path file, List<String> columns) {
    try (BufferAllocator allocator = new RootAllocator();
        org.apache.arrow.dataset.file.FileSystemDatasetFactory factory =
            new org.apache.arrow.dataset.file.FileSystemDatasetFactory(
                allocator,
                org.apache.arrow.dataset.jni.NativeMemoryPool.getDefault(),
                org.apache.arrow.dataset.file.FileFormat.PARQUET,
                file.toAbsolutePath().toUri().toString());
        org.apache.arrow.dataset.source.Dataset dataset = factory.finish();
        org.apache.arrow.dataset.scanner.Scanner scanner =
            dataset.newScan(
                new org.apache.arrow.dataset.scanner.ScanOptions(
                    BATCH_ROWS, java.util.Optional.of(columns.toArray(new String[0]))));
        org.apache.arrow.vector.ipc.ArrowReader reader = scanner.scanBatches()) {
      while (reader.loadNextBatch()) {
        // Dropped: the next load releases the batch.
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The native decoder's first phase for every row group, temporary files deleted. */
  private static void extractFile(StorageInput input, ParquetMetadata footer, List<String> columns)
      throws IOException {
    MessageType schema = footer.getFileMetaData().getSchema();
    List<org.apache.parquet.schema.Type> types = new java.util.ArrayList<>();
    for (org.apache.parquet.schema.Type type : schema.getFields()) {
      if (columns.contains(type.getName())) {
        types.add(type);
      }
    }
    MessageType projection = new MessageType(schema.getName(), types);
    for (int rowGroup = 0; rowGroup < footer.getBlocks().size(); rowGroup++) {
      Files.delete(
          RowGroupExtract.write(
              input, footer, rowGroup, projection, NativeParquetDecoder.defaultScratchDirectory()));
    }
  }

  /** Decodes every row group; returns {rows, Arrow bytes}. */
  private static long[] decodeFile(
      StorageInput input,
      ParquetMetadata footer,
      List<String> columns,
      BufferAllocator allocator,
      Decoding.RowGroupDecode decoder)
      throws IOException {
    long rows = 0;
    long bytes = 0;
    for (int rowGroup = 0; rowGroup < footer.getBlocks().size(); rowGroup++) {
      Map<String, List<FieldVector>> decoded =
          decoder.decode(input, footer, rowGroup, columns, allocator, BATCH_ROWS);
      for (List<FieldVector> slices : decoded.values()) {
        for (FieldVector v : slices) {
          bytes += v.getBufferSize();
          v.close();
        }
      }
      rows += footer.getBlocks().get(rowGroup).getRowCount();
    }
    return new long[] {rows, bytes};
  }

  private static void write(Path file, long rows) throws IOException {
    MessageType schema =
        Types.buildMessage()
            .required(PrimitiveTypeName.INT64)
            .named("l_orderkey")
            .required(PrimitiveTypeName.INT64)
            .named("l_partkey")
            .required(PrimitiveTypeName.INT64)
            .as(LogicalTypeAnnotation.decimalType(2, 12))
            .named("l_quantity")
            .required(PrimitiveTypeName.INT64)
            .as(LogicalTypeAnnotation.decimalType(2, 12))
            .named("l_extendedprice")
            .required(PrimitiveTypeName.DOUBLE)
            .named("l_discount")
            .optional(PrimitiveTypeName.DOUBLE)
            .named("l_tax")
            .required(PrimitiveTypeName.INT32)
            .as(LogicalTypeAnnotation.dateType())
            .named("l_shipdate")
            .optional(PrimitiveTypeName.INT32)
            .as(LogicalTypeAnnotation.dateType())
            .named("l_commitdate")
            .required(PrimitiveTypeName.BINARY)
            .as(LogicalTypeAnnotation.stringType())
            .named("l_returnflag")
            .required(PrimitiveTypeName.BINARY)
            .as(LogicalTypeAnnotation.stringType())
            .named("l_shipmode")
            .optional(PrimitiveTypeName.BINARY)
            .as(LogicalTypeAnnotation.stringType())
            .named("l_comment")
            .named("lineitem_like");
    String[] flags = {"A", "N", "R"};
    String[] modes = {"AIR", "FOB", "MAIL", "RAIL", "REG AIR", "SHIP", "TRUCK"};
    String[] words =
        "furiously quickly carefully final regular ironic express pending deposits accounts packages"
            .split(" ");
    Random random = new Random(42);
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(new LocalOutputFile(file))
            .withType(schema)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .withRowGroupSize(32L * 1024 * 1024)
            .withPageSize(1024 * 1024)
            .withDictionaryEncoding(true)
            .build()) {
      for (long row = 0; row < rows; row++) {
        Group g = groups.newGroup();
        g.add("l_orderkey", row / 4 * 3 + 1);
        g.add("l_partkey", (long) random.nextInt(200_000));
        long quantity = (1 + random.nextInt(50)) * 100L;
        g.add("l_quantity", quantity);
        g.add("l_extendedprice", quantity * (90_000 + random.nextInt(1_000_000)) / 100);
        g.add("l_discount", random.nextInt(11) / 100.0);
        if (random.nextInt(20) != 0) {
          g.add("l_tax", random.nextDouble() * 0.08);
        }
        int shipDate = 8036 + random.nextInt(2526);
        g.add("l_shipdate", shipDate);
        if (random.nextInt(20) != 0) {
          g.add("l_commitdate", shipDate + random.nextInt(60) - 30);
        }
        g.add("l_returnflag", flags[random.nextInt(flags.length)]);
        g.add("l_shipmode", modes[random.nextInt(modes.length)]);
        if (random.nextInt(20) != 0) {
          StringBuilder comment = new StringBuilder();
          int n = 2 + random.nextInt(5);
          for (int w = 0; w < n; w++) {
            comment.append(words[random.nextInt(words.length)]).append(' ');
          }
          comment.append(random.nextInt(1_000_000));
          g.add(
              "l_comment",
              org.apache.parquet.io.api.Binary.fromConstantByteArray(
                  comment.toString().getBytes(StandardCharsets.UTF_8)));
        }
        writer.write(g);
      }
    }
  }
}
