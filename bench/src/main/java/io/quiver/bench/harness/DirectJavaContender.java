package io.quiver.bench.harness;

import io.quiver.format.parquet.ParquetFooters;
import io.quiver.format.parquet.RowGroupDecoder;
import io.quiver.storage.CountingStorageInput;
import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.Storage;
import io.quiver.storage.StorageInput;
import io.quiver.storage.s3.S3StorageProvider;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

/**
 * What a Java user does without Quiver: read the Parquet objects from S3 and decode them into Arrow
 * in the client — with Quiver's own {@link RowGroupDecoder} over {@code S3Storage}, so Quiver cold
 * can be compared with the same decoder. Footers are read once at start (Quiver caches them too);
 * each run reads and decodes the projected column chunks of every row group, one thread.
 */
final class DirectJavaContender implements Contender {
  private final Profile profile;
  private final int batchRows;
  private final Storage storage;
  private final List<FileEntry> entries = new ArrayList<>();
  private final List<ParquetMetadata> footers = new ArrayList<>();
  private final List<ScanUnits.Unit> units;
  private final BufferAllocator allocator = new RootAllocator(8L << 30);

  DirectJavaContender(BenchEnv env, Profile profile) throws IOException {
    this.profile = profile;
    this.batchRows = env.batchRows();
    // The provider reads the key variables from this JVM's environment (bench/run sets them).
    this.storage =
        new S3StorageProvider()
            .create(
                Map.of(
                    "endpoint", env.endpoint(profile),
                    "path-style", "true",
                    "access-key-env", env.accessVar(),
                    "secret-key-env", env.secretVar()));
    try {
      for (String key : env.objectKeys()) {
        FileEntry entry = storage.stat(Location.of("s3://" + env.bucket() + "/" + key));
        entries.add(entry);
        try (StorageInput in = storage.open(entry)) {
          footers.add(ParquetFooters.read(in));
        }
      }
    } catch (IOException | RuntimeException e) {
      closeQuietly();
      throw e;
    }
    this.units = ScanUnits.plan(env.rowGroupsPerFile());
  }

  @Override
  public String name() {
    return profile.contenderName("direct-java");
  }

  @Override
  public boolean supports(Workload workload) {
    return true;
  }

  @Override
  public RunResult run(Workload w) throws Exception {
    if (w.isConcurrent()) {
      return concurrent(w);
    }
    long[] totals = new long[3];
    for (int f = 0; f < entries.size(); f++) {
      read(f, 0, footers.get(f).getBlocks().size(), w, totals);
    }
    return RunResult.scan(totals[0], totals[1], totals[2]);
  }

  /** Decodes row groups [first, first + count) of file f; adds rows, Arrow bytes, bytes read. */
  private void read(int f, int first, int count, Workload w, long[] totals) throws IOException {
    ParquetMetadata footer = footers.get(f);
    List<String> columns =
        w.columnsOr(
            footer.getFileMetaData().getSchema().getFields().stream()
                .map(org.apache.parquet.schema.Type::getName)
                .toList());
    AtomicLong bytesRead = new AtomicLong();
    try (StorageInput in =
        new CountingStorageInput(storage.open(entries.get(f)), bytesRead::addAndGet)) {
      for (int rg = first; rg < first + count; rg++) {
        Map<String, List<FieldVector>> decoded =
            RowGroupDecoder.decode(in, footer, rg, columns, allocator, batchRows);
        try {
          for (FieldVector v : decoded.get(columns.get(0))) {
            totals[0] += v.getValueCount();
          }
          for (List<FieldVector> slices : decoded.values()) {
            for (FieldVector v : slices) {
              totals[1] += v.getBufferSize();
            }
          }
        } finally {
          decoded.values().forEach(slices -> slices.forEach(FieldVector::close));
        }
      }
      totals[2] += bytesRead.get();
    }
  }

  private RunResult concurrent(Workload w) throws Exception {
    int clients = w.concurrentClients();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<long[]>> futures = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        int index = i;
        futures.add(
            pool.submit(
                () -> {
                  long[] out = new long[3 + w.requestsPerClient()];
                  for (int r = 0; r < w.requestsPerClient(); r++) {
                    ScanUnits.Unit u = units.get((index + r * clients) % units.size());
                    long start = System.nanoTime();
                    read(u.file(), u.firstRowGroup(), u.rowGroups(), w, out);
                    out[3 + r] = System.nanoTime() - start;
                  }
                  return out;
                }));
      }
      return FlightReads.collect(futures, w.requestsPerClient(), true);
    } finally {
      pool.shutdownNow();
    }
  }

  private void closeQuietly() {
    try {
      close();
    } catch (Exception suppressed) {
      // constructor failure: the original exception is what matters
    }
  }

  @Override
  public void close() throws Exception {
    try {
      storage.close();
    } finally {
      allocator.close();
    }
  }
}
