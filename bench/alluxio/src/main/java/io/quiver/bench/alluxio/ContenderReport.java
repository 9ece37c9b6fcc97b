package io.quiver.bench.alluxio;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The JSON document the benchmark harness reads back from the contender ({@code --out}).
 *
 * <p>Field names are the contract with {@code io.quiver.bench.harness}; fields beyond the agreed
 * ones ({@code ufsBytes}, {@code files}, …) are additions a reader can ignore. Immutable.
 *
 * @param contender always {@code "alluxio"}
 * @param shortCircuit whether clients read cached blocks straight from the worker's storage
 * @param alluxioVersion Alluxio release running
 * @param startSeconds time to start master and worker and mount the data
 * @param files number of Parquet files read
 * @param fileBytes their total size
 * @param rowsInFiles rows according to their footers; every read is checked against it
 * @param results one entry per workload, phase and repetition
 * @param concurrent the concurrent-clients run, or null when not requested
 * @param serverHeapBytes heap in use in this JVM (master, worker and client) after the reads and a
 *     GC
 * @param notes caveats a reader of the numbers needs
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ContenderReport(
    String contender,
    boolean shortCircuit,
    String alluxioVersion,
    double startSeconds,
    int files,
    long fileBytes,
    long rowsInFiles,
    List<Result> results,
    Concurrent concurrent,
    long serverHeapBytes,
    List<String> notes) {

  /**
   * One timed read of every file.
   *
   * @param workload workload name
   * @param phase {@code cold} (nothing cached before) or {@code warm} (every file 100% cached)
   * @param repetition 0-based
   * @param wallNanos elapsed time of the read and decode
   * @param rows rows decoded (checked equal to the files' row count)
   * @param arrowBytes Arrow buffer bytes produced
   * @param cpuNanos CPU time of this whole JVM during the read
   * @param ufsBytes bytes Alluxio's worker fetched from S3 during the read (0 when served from
   *     cache); -1 if the counter was reset meanwhile
   * @param shortCircuitBytes bytes the client read straight from the worker's storage files ({@code
   *     Client.BytesReadLocal}); 0 with short-circuit off
   * @param cachedPercentBefore smallest {@code getInAlluxioPercentage} over the files before the
   *     read
   */
  public record Result(
      String workload,
      String phase,
      int repetition,
      long wallNanos,
      long rows,
      long arrowBytes,
      long cpuNanos,
      long ufsBytes,
      long shortCircuitBytes,
      int cachedPercentBefore) {}

  /**
   * Concurrent single-chunk requests against warm data.
   *
   * @param clients threads, all released together
   * @param requests requests made (one per client)
   * @param column column whose chunks were requested
   * @param latencyNanos per-request latency in completion order
   * @param wallNanos from release to the last completion
   * @param rows rows decoded over all requests
   * @param arrowBytes Arrow buffer bytes over all requests
   */
  public record Concurrent(
      int clients,
      int requests,
      String column,
      List<Long> latencyNanos,
      long wallNanos,
      long rows,
      long arrowBytes) {}

  /** Writes this report as pretty-printed JSON, replacing {@code out}. */
  public void write(Path out) throws IOException {
    Path parent = out.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    MAPPER.writeValue(out.toFile(), this);
  }

  /** Reads a report written by {@link #write}. */
  public static ContenderReport read(Path in) throws IOException {
    return MAPPER.readValue(in.toFile(), ContenderReport.class);
  }

  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
}
