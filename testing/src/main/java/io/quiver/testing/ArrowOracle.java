package io.quiver.testing;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.arrow.dataset.file.FileFormat;
import org.apache.arrow.dataset.file.FileSystemDatasetFactory;
import org.apache.arrow.dataset.jni.NativeMemoryPool;
import org.apache.arrow.dataset.scanner.ScanOptions;
import org.apache.arrow.dataset.scanner.Scanner;
import org.apache.arrow.dataset.source.Dataset;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * The reference reader: Arrow C++'s Parquet and ORC readers (through the {@code arrow-dataset} JNI
 * bindings) reading a local file into an on-heap {@link Table}. Tests compare what Quiver decodes
 * against it, so that decoded data is checked by a reader written by someone else.
 *
 * <p>Arrow C++ applies the {@code ARROW:schema} key-value metadata when a file has it (files that
 * Arrow itself wrote); files written by parquet-hadoop have none, so their types are the plain
 * Parquet-to-Arrow mapping.
 *
 * <p>Every call uses its own allocator, closed before returning: the returned table holds no
 * off-heap memory. Thread-safe.
 */
public final class ArrowOracle {
  private static final long BATCH_ROWS = 32 * 1024;

  private ArrowOracle() {}

  /** Reads every column and row of the Parquet file {@code file} with Arrow C++. */
  public static Table readParquet(Path file) {
    return read(file, FileFormat.PARQUET, Optional.empty());
  }

  /** Reads the named columns (in that order) of the Parquet file {@code file} with Arrow C++. */
  public static Table readParquet(Path file, List<String> columns) {
    return read(file, FileFormat.PARQUET, Optional.of(columns.toArray(new String[0])));
  }

  /**
   * Reads every column and row of the ORC file {@code file} with Arrow C++'s ORC reader (liborc):
   * {@code timestamp} columns come back as {@code timestamp(ns)} holding the wall-clock time as
   * UTC, {@code timestamp with local time zone} as {@code timestamp(ns, "UTC")}.
   */
  public static Table readOrc(Path file) {
    return read(file, FileFormat.ORC, Optional.empty());
  }

  /** Reads the named columns (in that order) of the ORC file {@code file} with Arrow C++. */
  public static Table readOrc(Path file, List<String> columns) {
    return read(file, FileFormat.ORC, Optional.of(columns.toArray(new String[0])));
  }

  // Dataset and Scanner declare close() throws Exception; failures surface below.
  @SuppressWarnings("try")
  private static Table read(Path file, FileFormat format, Optional<String[]> columns) {
    String uri = file.toAbsolutePath().normalize().toUri().toString();
    try (BufferAllocator allocator = new RootAllocator();
        FileSystemDatasetFactory factory =
            new FileSystemDatasetFactory(allocator, NativeMemoryPool.getDefault(), format, uri);
        Dataset dataset = factory.finish();
        Scanner scanner = dataset.newScan(new ScanOptions(BATCH_ROWS, columns));
        ArrowReader reader = scanner.scanBatches()) {
      Table.Builder table = Table.builder(reader.getVectorSchemaRoot().getSchema());
      while (reader.loadNextBatch()) {
        table.append(reader.getVectorSchemaRoot());
      }
      return table.build();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("Arrow C++ could not read " + file + ": " + e, e);
    }
  }
}
