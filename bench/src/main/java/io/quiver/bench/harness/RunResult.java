package io.quiver.bench.harness;

/**
 * What one measured run delivered, as reported by the contender. Wall and CPU time are measured by
 * the harness around the run.
 *
 * @param rows rows delivered to the client
 * @param arrowBytes Arrow buffer bytes delivered (sum of {@code getBufferSize()} of every batch's
 *     vectors), the same count for every contender
 * @param storageBytesRead bytes read from the object store, or -1 if unknown
 * @param latenciesNanos per-request latencies of a concurrent run, else empty
 */
public record RunResult(long rows, long arrowBytes, long storageBytesRead, long[] latenciesNanos) {

  public static RunResult scan(long rows, long arrowBytes, long storageBytesRead) {
    return new RunResult(rows, arrowBytes, storageBytesRead, new long[0]);
  }
}
