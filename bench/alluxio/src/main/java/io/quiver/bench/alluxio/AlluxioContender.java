package io.quiver.bench.alluxio;

import alluxio.ProjectConstants;
import alluxio.client.file.URIStatus;
import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.client.builder.AwsClientBuilder;
import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.AmazonS3ClientBuilder;
import com.amazonaws.services.s3.model.ListObjectsV2Request;
import com.amazonaws.services.s3.model.ListObjectsV2Result;
import com.amazonaws.services.s3.model.S3ObjectSummary;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Alluxio 2.9.4 as a benchmark contender, run in its own JVM by the benchmark harness.
 *
 * <p>Starts a master and a worker in this JVM ({@link LocalAlluxio}), mounts an S3 prefix at {@code
 * /data}, and for every workload and repetition times a cold read (after {@code free} and waiting
 * until no byte is cached) and a warm read (after every file is 100% in Alluxio). A read opens each
 * {@code .parquet} file through the {@code alluxio://} Hadoop-compatible client and decodes the
 * projected columns into Arrow batches ({@link ParquetArrowDecoder}), checking that the row count
 * matches the footers. Optionally it then issues N concurrent single-chunk requests against warm
 * data. Results go to a JSON file ({@link ContenderReport}).
 *
 * <p>Exit code 0 on success; otherwise one line on stderr and a non-zero code (2 for bad arguments,
 * 1 for a failed run). The cluster is stopped on every path.
 */
@Command(
    name = "alluxio-contender",
    mixinStandardHelpOptions = true,
    description = "Times cold and warm Parquet->Arrow reads through Alluxio 2.9.4.")
public final class AlluxioContender implements Callable<Integer> {

  static final String MOUNT_POINT = "/data";
  static final long ALLOCATOR_LIMIT = 2L << 30;
  private static final Duration EVICT_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration CACHE_TIMEOUT = Duration.ofSeconds(30);

  @Option(names = "--s3-endpoint", required = true, description = "e.g. http://127.0.0.1:9000")
  String s3Endpoint;

  @Option(names = "--s3-region", defaultValue = "us-east-1")
  String s3Region;

  @Option(names = "--bucket", required = true)
  String bucket;

  @Option(names = "--prefix", defaultValue = "", description = "key prefix, e.g. some/prefix/")
  String prefix;

  @Option(names = "--access-key-env", required = true, description = "env var with the access key")
  String accessKeyEnv;

  @Option(names = "--secret-key-env", required = true, description = "env var with the secret key")
  String secretKeyEnv;

  @Option(names = "--work-dir", required = true, description = "Alluxio journal, metastore, logs")
  Path workDir;

  @Option(names = "--short-circuit", required = true, arity = "1")
  boolean shortCircuit;

  @Option(names = "--repetitions", defaultValue = "3")
  int repetitions;

  @Option(names = "--batch-rows", defaultValue = "65536")
  int batchRows;

  @Option(
      names = "--workload",
      required = true,
      description = "name=col1,col2 (name= for all columns); repeatable")
  List<String> workloadSpecs;

  @Option(names = "--concurrent-clients", defaultValue = "0")
  int concurrentClients;

  @Option(names = "--concurrent-column")
  String concurrentColumn;

  @Option(names = "--out", required = true)
  Path out;

  private UnaryOperator<String> env = System::getenv;

  /** Entry point for the harness: exits with {@link #run(String...)}'s code. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs in this JVM with environment variables from {@link System#getenv}. */
  public static int run(String... args) {
    return run(System::getenv, args);
  }

  /**
   * Runs in this JVM.
   *
   * @param env looks up the environment variables named by {@code --access-key-env} and {@code
   *     --secret-key-env} (tests pass a map)
   * @return 0 on success, 2 for bad arguments, 1 when the run failed (one line on stderr)
   */
  public static int run(UnaryOperator<String> env, String... args) {
    try {
      JavaNioAccess.ensureOpen();
    } catch (IllegalStateException e) {
      System.err.println("alluxio contender failed: " + e.getMessage());
      return 1;
    }
    AlluxioContender contender = new AlluxioContender();
    contender.env = env;
    CommandLine cl = new CommandLine(contender);
    cl.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          cmd.getErr().println("alluxio contender failed: " + describe(e));
          return 1;
        });
    cl.setParameterExceptionHandler(
        (e, a) -> {
          e.getCommandLine().getErr().println("alluxio contender: " + e.getMessage());
          return 2;
        });
    return cl.execute(args);
  }

  private static String describe(Throwable e) {
    StringBuilder sb = new StringBuilder(e.getClass().getSimpleName());
    if (e.getMessage() != null) {
      sb.append(": ").append(e.getMessage().replace('\n', ' '));
    }
    Throwable cause = e.getCause();
    if (cause != null && cause != e && cause.getMessage() != null) {
      sb.append(" (caused by ")
          .append(cause.getClass().getSimpleName())
          .append(": ")
          .append(cause.getMessage().replace('\n', ' '))
          .append(')');
    }
    return sb.toString();
  }

  @Override
  public Integer call() throws Exception {
    List<Workload> workloads = new ArrayList<>();
    for (String spec : workloadSpecs) {
      try {
        workloads.add(Workload.parse(spec));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), e.getMessage(), e, null, spec);
      }
    }
    if (repetitions < 1 || batchRows < 1 || concurrentClients < 0) {
      throw new CommandLine.ParameterException(
          new CommandLine(this),
          "--repetitions and --batch-rows must be positive, --concurrent-clients >= 0");
    }
    if (concurrentClients > 0 && (concurrentColumn == null || concurrentColumn.isBlank())) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--concurrent-clients needs --concurrent-column");
    }
    String accessKey = requireEnv(accessKeyEnv);
    String secretKey = requireEnv(secretKeyEnv);
    String keyPrefix = prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";

    long t0 = System.nanoTime();
    List<S3ObjectSummary> objects = listParquetObjects(accessKey, secretKey, keyPrefix);
    double listSeconds = (System.nanoTime() - t0) / 1e9;
    long fileBytes = objects.stream().mapToLong(S3ObjectSummary::getSize).sum();
    // Room for every file plus one in-flight 64 MB block per file and some slack.
    long memTier = fileBytes + (objects.size() + 2L) * (64L << 20);

    List<String> notes = new ArrayList<>();
    notes.add(
        "Alluxio master, worker and the reading client share this JVM: cpuNanos is the whole"
            + " process's CPU time during a read and serverHeapBytes includes the client.");
    notes.add(
        "Reads are single-threaded, file after file, through alluxio.hadoop.FileSystem and"
            + " parquet-hadoop 1.13.1's column API; Alluxio caches file bytes, so decode cost"
            + " stays in every read.");
    notes.add(
        "Worker: one MEM tier in /dev/shm, 64 MB blocks, read type CACHE, short-circuit "
            + (shortCircuit ? "on (client reads cached block files directly)" : "off (gRPC)")
            + ", block heartbeat 100 ms.");

    long startNanos = System.nanoTime();
    try (BufferAllocator allocator = new RootAllocator(ALLOCATOR_LIMIT);
        LocalAlluxio alluxio =
            LocalAlluxio.start(workDir.resolve("alluxio"), memTier, shortCircuit)) {
      double clusterSeconds = (System.nanoTime() - startNanos) / 1e9;
      alluxio.mountS3(MOUNT_POINT, s3Endpoint, s3Region, bucket, keyPrefix, accessKey, secretKey);
      List<URIStatus> statuses = alluxio.listFiles(MOUNT_POINT, ".parquet");
      if (statuses.size() != objects.size()) {
        throw new IllegalStateException(
            "Alluxio lists "
                + statuses.size()
                + " .parquet files under "
                + MOUNT_POINT
                + " but S3 has "
                + objects.size()
                + " under s3://"
                + bucket
                + "/"
                + keyPrefix);
      }
      double startSeconds = (System.nanoTime() - startNanos) / 1e9;
      notes.add(
          String.format(
              "startSeconds = master and worker start %.2f s + mount and listing %.2f s; listing"
                  + " S3 beforehand (to size the MEM tier) took %.2f s more.",
              clusterSeconds, startSeconds - clusterSeconds, listSeconds));
      try (AlluxioReads reads =
          new AlluxioReads(alluxio, statuses, allocator, batchRows, alluxio.hadoopConf())) {
        List<ContenderReport.Result> results = new ArrayList<>();
        for (Workload w : workloads) {
          for (int rep = 0; rep < repetitions; rep++) {
            try {
              results.add(reads.cold(w, rep, EVICT_TIMEOUT));
            } catch (LocalAlluxio.CacheStateTimeout e) {
              throw new LocalAlluxio.CacheStateTimeout(
                  "before the cold read of " + w.name() + " rep " + rep + ": " + e.getMessage());
            }
            if (!reads.ensureCached(CACHE_TIMEOUT)) {
              notes.add(
                  "After the cold read of "
                      + w.name()
                      + " rep "
                      + rep
                      + " Alluxio had not cached every block; the files were read in full"
                      + " once to load them before the warm read.");
            }
            results.add(reads.warm(w, rep));
          }
        }
        ContenderReport.Concurrent concurrent = null;
        if (concurrentClients > 0) {
          reads.ensureCached(CACHE_TIMEOUT);
          concurrent = reads.concurrentChunks(concurrentClients, concurrentColumn);
          notes.add(
              "Concurrent: each client opens its file (footer read included), decodes one row"
                  + " group's chunk of "
                  + concurrentColumn
                  + " warm; chunks are assigned round-robin over all row groups.");
        }
        if (reads.workerRestarts() > 0) {
          notes.add(
              reads.workerRestarts()
                  + " cold read(s) found a block that free could not evict (Alluxio 2.9 kept it"
                  + " read-locked, cf. Alluxio issue #17228); the worker was restarted on an empty"
                  + " MEM tier to make them cold.");
        }
        for (ContenderReport.Result r : results) {
          if (r.phase().equals("warm") && r.ufsBytes() != 0) {
            notes.add(
                "Warm read "
                    + r.workload()
                    + " rep "
                    + r.repetition()
                    + " fetched "
                    + r.ufsBytes()
                    + " bytes from S3.");
          }
        }
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        new ContenderReport(
                "alluxio",
                shortCircuit,
                ProjectConstants.VERSION,
                startSeconds,
                statuses.size(),
                fileBytes,
                reads.rowsInFiles(),
                results,
                concurrent,
                heap,
                notes)
            .write(out);
      }
    }
    return 0;
  }

  private String requireEnv(String name) {
    String value = env.apply(name);
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("environment variable " + name + " is not set");
    }
    return value;
  }

  /**
   * Lists the {@code .parquet} objects directly under the prefix, to size the MEM tier before
   * Alluxio starts and to fail early with a clear message on a wrong bucket or credentials.
   */
  private List<S3ObjectSummary> listParquetObjects(
      String accessKey, String secretKey, String keyPrefix) throws IOException {
    AmazonS3 s3 =
        AmazonS3ClientBuilder.standard()
            .withEndpointConfiguration(
                new AwsClientBuilder.EndpointConfiguration(s3Endpoint, s3Region))
            .withPathStyleAccessEnabled(true)
            .withCredentials(
                new AWSStaticCredentialsProvider(new BasicAWSCredentials(accessKey, secretKey)))
            .build();
    try {
      List<S3ObjectSummary> out = new ArrayList<>();
      ListObjectsV2Request request =
          new ListObjectsV2Request()
              .withBucketName(bucket)
              .withPrefix(keyPrefix)
              .withDelimiter("/");
      ListObjectsV2Result page;
      do {
        page = s3.listObjectsV2(request);
        for (S3ObjectSummary o : page.getObjectSummaries()) {
          if (o.getKey().endsWith(".parquet")) {
            out.add(o);
          }
        }
        request.setContinuationToken(page.getNextContinuationToken());
      } while (page.isTruncated());
      if (out.isEmpty()) {
        throw new IOException("no .parquet objects under s3://" + bucket + "/" + keyPrefix);
      }
      return out;
    } catch (com.amazonaws.AmazonClientException e) {
      throw new IOException(
          "cannot list s3://"
              + bucket
              + "/"
              + keyPrefix
              + " at "
              + s3Endpoint
              + ": "
              + e.getMessage(),
          e);
    } finally {
      s3.shutdown();
    }
  }
}
