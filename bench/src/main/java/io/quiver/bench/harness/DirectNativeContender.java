package io.quiver.bench.harness;

import java.nio.file.Path;
import java.util.Optional;
import org.apache.arrow.dataset.file.FileFormat;
import org.apache.arrow.dataset.file.FileSystemDatasetFactory;
import org.apache.arrow.dataset.jni.NativeMemoryPool;
import org.apache.arrow.dataset.scanner.ScanOptions;
import org.apache.arrow.dataset.scanner.Scanner;
import org.apache.arrow.dataset.source.Dataset;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * What a user of Arrow C++ (pyarrow, Arrow Java's dataset module) does without Quiver: Arrow C++
 * reads the objects itself, through its own S3 file system or from local disk, with its own
 * (multi-threaded) Parquet reader, into Arrow batches handed to Java over the C data interface. No
 * concurrent mode: the dataset API reads whole files, not single column chunks.
 */
final class DirectNativeContender implements Contender {
  private final String name;
  private final String[] uris;
  private final int batchRows;
  private final BufferAllocator allocator = new RootAllocator(8L << 30);

  private DirectNativeContender(String name, String[] uris, int batchRows) {
    this.name = name;
    this.uris = uris;
    this.batchRows = batchRows;
  }

  /** Reading the bucket through Arrow C++'s S3 file system. */
  static DirectNativeContender s3(BenchEnv env, Profile profile) {
    String[] uris =
        env.objectKeys().stream()
            .map(
                k ->
                    "s3://"
                        + env.accessKey()
                        + ":"
                        + env.secretKey()
                        + "@"
                        + env.bucket()
                        + "/"
                        + k
                        + "?scheme=http&endpoint_override=127.0.0.1:"
                        + env.port(profile))
            .toArray(String[]::new);
    return new DirectNativeContender(
        profile.contenderName("direct-native-s3"), uris, env.batchRows());
  }

  /** Reading the local copy of the files. */
  static DirectNativeContender local(BenchEnv env) {
    String[] uris =
        env.localFiles().stream()
            .map(Path::toAbsolutePath)
            .map(p -> p.toUri().toString())
            .toArray(String[]::new);
    return new DirectNativeContender("direct-native-local", uris, env.batchRows());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean supports(Workload workload) {
    return !workload.isConcurrent();
  }

  @Override
  @SuppressWarnings("try") // Dataset and Scanner declare close() throws Exception
  public RunResult run(Workload w) throws Exception {
    Optional<String[]> columns =
        w.columns().isEmpty() ? Optional.empty() : Optional.of(w.columns().toArray(String[]::new));
    long rows = 0;
    long bytes = 0;
    try (FileSystemDatasetFactory factory =
            new FileSystemDatasetFactory(
                allocator, NativeMemoryPool.getDefault(), FileFormat.PARQUET, uris);
        Dataset dataset = factory.finish();
        Scanner scanner = dataset.newScan(new ScanOptions(batchRows, columns));
        ArrowReader reader = scanner.scanBatches()) {
      VectorSchemaRoot root = reader.getVectorSchemaRoot();
      while (reader.loadNextBatch()) {
        rows += root.getRowCount();
        bytes += FlightReads.arrowBytes(root);
      }
    }
    return RunResult.scan(rows, bytes, -1);
  }

  @Override
  public void close() {
    allocator.close();
  }
}
